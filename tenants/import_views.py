"""The tenant file in the browser. Uploading, checking and importing are the `imports` app's
(registered in tenants/apps.py); this module keeps what is the register's own: the list of
tenants with no patch, and the panel the import pages show about them."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from accounts.access import manager_required

from .models import Tenant


def unassigned_panel(user):
    """Context for tenants/import/_unassigned_panel.html, under the upload form and the result."""
    return {"unassigned": Tenant.objects.current().unassigned().count()}


@manager_required
def upload(request):
    """The old address of the upload page."""
    return redirect("imports:upload", kind="tenants")


@manager_required
def unassigned(request):
    """Current tenants with no patch: neither the import file nor the patch map placed them.
    Ended tenancies need no patch, as on the home page's panel."""
    tenants = (
        Tenant.objects.current()
        .unassigned()
        .only("tenancy_ref", "first_name", "last_name", "address_line_1", "postcode")
        .order_by("last_name", "first_name", "tenancy_ref")
    )
    page = Paginator(tenants, 50).get_page(request.GET.get("page"))
    return render(request, "tenants/import/unassigned.html", {"page": page})
