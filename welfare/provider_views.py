"""Support providers: staffing by status, one provider's contacts, schemes and check-ins."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import manager_required, role_required
from accounts.models import User

from . import provider_actions, provider_selectors
from .provider_forms import CheckInForm, ContactForm, OversightForm
from .provider_models import ProviderOversight

provider_staff = role_required(User.Role.OFFICER, User.Role.MANAGER)


@provider_staff
def providers(request):
    rows = list(provider_selectors.providers_for_user(request.user))
    order = provider_selectors.STATUS_ORDER
    today = timezone.localdate()

    def rank(provider):
        oversight = getattr(provider, "oversight", None)
        if oversight is None:
            return (3, 0, provider.name)
        return (order[oversight.staffing], oversight.next_check_in_on.toordinal(), provider.name)

    rows.sort(key=rank)
    return render(
        request,
        "welfare/providers/list.html",
        {
            "providers": rows,
            "today": today,
            "summary": provider_selectors.staffing_summary(request.user),
        },
    )


def _page(request, provider, status=200, **forms):
    oversight = ProviderOversight.objects.filter(provider=provider).first()
    context = {
        "provider": provider,
        "oversight": oversight,
        "today": timezone.localdate(),
        "contacts": provider.contacts.all(),
        "schemes": provider.schemes.all(),
        "tenant_count": provider_selectors.supported_tenants(provider).count(),
        "check_ins": provider.check_ins.select_related("by")[:20],
        "check_in_form": forms.get("check_in_form") or (CheckInForm() if oversight else None),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "oversight_form": forms.get("oversight_form")
        or OversightForm(
            initial={"team": oversight.team_id, "cadence_days": oversight.cadence_days}
            if oversight
            else {}
        ),
    }
    return render(request, "welfare/providers/provider.html", context, status=status)


@provider_staff
def provider(request, pk):
    return _page(request, provider_selectors.get_provider_for_user(request.user, pk))


@require_POST
@provider_staff
def check_in(request, pk):
    provider = provider_selectors.get_provider_for_user(request.user, pk)
    form = CheckInForm(request.POST)
    if not hasattr(provider, "oversight") or not form.is_valid():
        return _page(request, provider, status=400, check_in_form=form)
    data = form.cleaned_data
    record = provider_actions.provider_check_in_record(
        provider=provider,
        by=request.user,
        staffing=data["staffing"],
        next_check_in_on=data.get("next_check_in_on"),
        notes=data.get("notes", ""),
    )
    text = f"Check-in with {provider.name} recorded: staffing {record.get_staffing_display()}."
    if record.staffing == "critical":
        text += " Managers are told, and its tenants are called every 7 days from tomorrow."
    messages.success(request, text)
    return redirect("providers:detail", pk=pk)


@require_POST
@provider_staff
def add_contact(request, pk):
    provider = provider_selectors.get_provider_for_user(request.user, pk)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _page(request, provider, status=400, contact_form=form)
    provider_actions.provider_contact_add(provider=provider, **form.cleaned_data)
    messages.success(request, f"Contact {form.cleaned_data['name']} added.")
    return redirect("providers:detail", pk=pk)


@require_POST
@manager_required
def set_oversight(request, pk):
    provider = provider_selectors.get_provider_for_user(request.user, pk)
    form = OversightForm(request.POST)
    if not form.is_valid():
        return _page(request, provider, status=400, oversight_form=form)
    provider_actions.provider_oversight_set(provider=provider, **form.cleaned_data)
    messages.success(request, f"{form.cleaned_data['team']} checks in with {provider.name}.")
    return redirect("providers:detail", pk=pk)
