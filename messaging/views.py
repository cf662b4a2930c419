import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import manager_required, staff_required
from accounts.models import Patch
from config.csv_export import streaming_csv
from tenants.models import Scheme
from tenants.selectors import get_tenant_for_user, log_tenants_listed

from . import actions, bulk, selectors
from .forms import BulkMessageForm, ContactPreferenceForm, MessageKindForm
from .models import BulkMessage, Kind, Message, MessageKind, Status

PAGE_SIZE = 50


@manager_required
def index(request):
    """Every message, newest first: without a Notify key, this is the outbox."""
    status = request.GET.get("status", "")
    queryset = Message.objects.select_related("tenant", "bulk")
    if status in Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [message.tenant_id for message in page], request.path)
    return render(
        request,
        "messaging/index.html",
        {
            "page_obj": page,
            "statuses": Status.choices,
            "status": status,
            "outbox_mode": not settings.NOTIFY_API_KEY,
        },
    )


@manager_required
def kinds(request):
    return render(request, "messaging/kinds.html", {"kinds": MessageKind.objects.every_kind()})


@manager_required
def kind_change(request, kind):
    if kind not in Kind.values:
        raise Http404
    setting = MessageKind.objects.setting(kind)
    form = MessageKindForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        form.save()
        state = "on" if setting.enabled else "off"
        messages.success(request, f"“{setting}” messages are switched {state}.")
        return redirect("messaging:kinds")
    history = setting.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "messaging/kind_change.html",
        {"setting": setting, "form": form, "history": history},
    )


@manager_required
def bulk_list(request):
    bulks = BulkMessage.objects.select_related("scheme", "patch", "created_by")[:100]
    return render(request, "messaging/bulk_list.html", {"bulks": bulks})


def _bulk_form(request, initial=None):
    return BulkMessageForm(
        request.POST or None,
        initial=dict(initial or {}),
        schemes=Scheme.objects.all(),
        patches=Patch.objects.all(),
    )


def _bulk_fields(data):
    return {
        "title": data["title"],
        "body": data["body"],
        "channel": data["channel"],
        "scheme": data["scheme"],
        "patch": data["patch"],
        "audience": data["registered_audience"],
        "rate_per_minute": data["rate_per_minute"],
    }


@manager_required
def bulk_new(request):
    form = _bulk_form(request)
    if request.method == "POST" and form.is_valid():
        made = bulk.bulk_message_create(user=request.user, **_bulk_fields(form.cleaned_data))
        return redirect("messaging:bulk", made.pk)
    return render(request, "messaging/bulk_new.html", {"form": form})


@manager_required
def bulk_change(request, pk):
    """The preview's "Change the message": the form as it was filled in, saved over the same
    draft, so nothing typed is lost and no second draft is left behind."""
    item = get_object_or_404(BulkMessage, pk=pk)
    if item.state != BulkMessage.State.DRAFT:
        messages.error(request, bulk.NOT_CHANGEABLE)
        return redirect("messaging:bulk", pk)
    form = _bulk_form(request, initial=BulkMessageForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        try:
            bulk.bulk_message_change(
                bulk=item, user=request.user, **_bulk_fields(form.cleaned_data)
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return redirect("messaging:bulk", pk)
    return render(request, "messaging/bulk_new.html", {"form": form, "bulk": item})


@manager_required
def bulk_detail(request, pk):
    item = get_object_or_404(
        BulkMessage.objects.select_related("scheme", "patch", "created_by", "approved_by"), pk=pk
    )
    context = {"bulk": item, "kind": MessageKind.objects.setting(Kind.BULK)}
    if item.state == BulkMessage.State.QUEUED:
        context["counts"] = sorted(
            selectors.bulk_status_counts(item).items(), key=lambda pair: pair[0].label
        )
    else:
        preview = context["preview"] = bulk.bulk_preview(item)
        shown = [tenant.pk for tenant in preview["left_out_examples"]]
        if preview["example"] is not None:  # the first recipient's first name, in "Dear ..."
            shown.append(preview["example"].pk)
        log_tenants_listed(request.user, shown, request.path)
    return render(request, "messaging/bulk_detail.html", context)


def _joined(values):
    return "; ".join(str(value) for value in values if value)


def _left_out_row(tenant):
    numbers = [number.as_national for number in tenant.numbers_to_dial()]
    return [
        tenant.tenancy_ref,
        tenant.full_name,
        bulk.LEFT_OUT[tenant.left_out],
        _joined(numbers),
        tenant.email,
        tenant.address_line_1,
        tenant.address_line_2,
        tenant.town,
        tenant.postcode,
    ]


@manager_required
def bulk_left_out_csv(request, pk):
    """Everyone a bulk message leaves out (not only the 20 its page names), why, and how to
    reach them instead: the numbers to dial and the postal address. Each batch's tenants are
    logged as listed before their rows are sent. Only while the page lists who is left out
    (not once the message is queued)."""
    item = get_object_or_404(BulkMessage, pk=pk)
    if item.state == BulkMessage.State.QUEUED:
        raise Http404("A queued message lists who it was sent to, not who is left out")
    user, path = request.user, request.path
    return streaming_csv(
        filename=f"bulk-{item.pk}-left-out-{timezone.localtime():%Y-%m-%d-%H%M}.csv",
        header=[
            "tenancy_ref",
            "tenant",
            "why_left_out",
            "numbers_to_dial",
            "email",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
        ],
        rows=bulk.left_out(item),
        row=_left_out_row,
        log=lambda batch: log_tenants_listed(user, [tenant.pk for tenant in batch], path),
    )


@manager_required
@require_POST
def bulk_action(request, pk, action):
    item = get_object_or_404(BulkMessage, pk=pk)
    step = {
        "send": bulk.bulk_message_send,
        "approve": bulk.bulk_message_approve,
        "cancel": bulk.bulk_message_cancel,
    }.get(action)
    if step is None:
        return redirect("messaging:bulk", pk)
    try:
        item = step(bulk=item, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if item.state == BulkMessage.State.QUEUED:
            count = item.recipient_count
            messages.success(
                request,
                ngettext(
                    "Queued for %(count)s recipient.", "Queued for %(count)s recipients.", count
                )
                % {"count": f"{count:,}"},
            )
        elif item.state == BulkMessage.State.AWAITING_APPROVAL:
            messages.success(request, "Waiting for a second manager to approve it.")
        else:
            messages.success(request, "Cancelled. Nothing was sent.")
    return redirect("messaging:bulk", pk)


@staff_required
def tenant_preferences(request, pk):
    tenant = get_tenant_for_user(request.user, pk, page=request.path)
    preference = selectors.contact_preference_for(tenant)
    failing = selectors.failing_contacts_for_tenant(tenant)
    form = ContactPreferenceForm(
        request.POST or None,
        instance=preference,
        unreachable=selectors.unreachable_channels(tenant, failing),
    )
    if request.method == "POST" and form.is_valid():
        actions.contact_preference_save(tenant=tenant, **form.cleaned_data)
        messages.success(request, "Contact preferences saved.")
        return redirect("messaging:tenant_preferences", tenant.pk)
    return render(
        request,
        "messaging/tenant_preferences.html",
        {
            "tenant": tenant,
            "form": form,
            "failing": failing,
            "recent": tenant.messages.all()[:10],
            "history": preference.history.select_related("history_user")[:10] if preference else [],
        },
    )


@csrf_exempt
@require_POST
def notify_callback(request):
    """Notify's delivery receipts: JSON with id and status, and our bearer token."""
    expected = settings.NOTIFY_CALLBACK_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": "Unauthorised"}, status=401)
    try:
        receipt = json.loads(request.body)
        notify_id, status = receipt["id"], receipt["status"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "Expected JSON with id and status"}, status=400)
    try:
        actions.message_status_update(
            notify_id=notify_id, status=status, completed_at=receipt.get("completed_at")
        )
    except ValidationError:  # not a UUID
        return JsonResponse({"error": "id is not a UUID"}, status=400)
    return HttpResponse(status=204)
