from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render

from accounts.access import manager_required, staff_required
from accounts.submit_once import submit_once
from config.csv import csv_response, safe_writer

from . import actions, selectors
from .forms import FamilyContactForm, SearchForm, TenantFlagsForm
from .models import FamilyContact
from .sections import record_sections

PAGE_SIZE = 25


@staff_required
def search(request):
    form = SearchForm(request.GET)
    query = form.data.get("q", "").strip()[:100]
    page = example = None
    if query:
        results = selectors.search_tenants(request.user, query)
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        selectors.log_tenants_listed(
            request.user, [tenant.pk for tenant in page], request.path, query=query
        )
        if not page.object_list:
            example = selectors.reference_example(query)
    context = {"form": form, "query": query, "page": page, "reference_example": example}
    return render(request, "tenants/search.html", context)


@staff_required
def record(request, pk):
    tenant = selectors.get_tenant_for_user(request.user, pk, page=request.path)
    # Read once for every section that asks for the numbers (the calls, the messages).
    prefetch_related_objects([tenant], "phone_numbers")
    today = date.today()
    section_context, section_templates = record_sections(request.user, tenant, today)
    context = {
        **section_context,
        "tenant": tenant,
        "today": today,
        "age": tenant.age_on(today),
        "isolating": tenant.is_isolating_on(today),
        "history": selectors.tenant_history(tenant),
        "sections": section_templates,
    }
    return render(request, "tenants/record.html", context)


@staff_required
def edit_flags(request, pk):
    tenant = selectors.get_tenant_for_user(request.user, pk, page=request.path)
    initial = {name: getattr(tenant, name) for name in actions.FLAG_FIELDS}
    initial["lives_alone"] = {True: "yes", False: "no"}.get(tenant.lives_alone, "")
    form = TenantFlagsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.tenant_update_flags(
            tenant=tenant,
            user=request.user,
            reason=data.pop("reason"),
            **data,
        )
        messages.success(request, "The tenant's record has been updated.")
        return redirect("tenants:record", pk=tenant.pk)
    return render(request, "tenants/edit_flags.html", {"tenant": tenant, "form": form})


@staff_required
@submit_once
def family_contact(request, pk, contact_pk=None):
    tenant = selectors.get_tenant_for_user(request.user, pk, page=request.path)
    contact = get_object_or_404(FamilyContact, pk=contact_pk, tenant=tenant) if contact_pk else None
    form = FamilyContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in FamilyContactForm.Meta.fields}
        data["phone"] = data["phone"] or ""
        if data["consent_to_updates"] and not (contact and contact.consent_given_on):
            data["consent_given_on"] = date.today()
        actions.family_contact_save(
            tenant=tenant,
            user=request.user,
            reason=form.cleaned_data["reason"],
            contact=contact,
            **data,
        )
        messages.success(request, "The family contact has been saved.")
        return redirect("tenants:record", pk=tenant.pk)
    return render(
        request,
        "tenants/family_contact.html",
        {"tenant": tenant, "form": form, "contact": contact},
    )


@manager_required
def access_log(request, pk):
    tenant = selectors.get_tenant_for_user(request.user, pk, page=request.path)
    page = Paginator(selectors.tenant_access_log(tenant.pk), 50).get_page(request.GET.get("page"))
    return render(request, "tenants/access_log.html", {"tenant": tenant, "page": page})


@manager_required
def access_log_csv(request, pk):
    """The whole access log for one tenant, for a subject access request."""
    tenant = selectors.get_tenant_for_user(request.user, pk, page=request.path)
    response = csv_response(f"access-log-{tenant.pk}.csv")
    writer = safe_writer(response)
    writer.writerow(["When (UTC)", "Who", "Username", "Role", "What", "Search", "Page"])
    for entry in selectors.tenant_access_log(tenant.pk).order_by("at", "pk").iterator():
        writer.writerow(
            [
                entry.at.isoformat(timespec="seconds"),
                str(entry.user),
                entry.user.username,
                entry.user.get_role_display(),
                entry.get_kind_display(),
                entry.query,
                entry.page,
            ]
        )
    return response
