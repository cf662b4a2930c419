from django.urls import NoReverseMatch, reverse

from .models import Tenant


def panels(user):
    if not user.is_manager:
        return []
    unassigned = Tenant.objects.current().unassigned().count()
    if not unassigned:
        return []
    try:
        url = reverse("tenant_import:unassigned")
    except NoReverseMatch:
        url = None
    return [{"template": "tenants/panels/unassigned.html", "count": unassigned, "url": url}]
