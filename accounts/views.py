import base64
import io
import secrets

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import kept_post as kept
from .forms import NewPasswordForm, ResetRequestForm, SignInForm, TokenForm
from .kept_labels import readable_rows

BACKUP_CODE_COUNT = 10


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Why the person is here, when a form they sent was kept (accounts.kept_post).
        form = kept.kept(self.request)
        return {
            **super().get_context_data(**kwargs),
            "kept": form,
            "kept_typed": form is not None and bool(readable_rows(form["fields"], form["path"])),
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
        }


class ResetRequestView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = ResetRequestForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    # A path only: redirect() would take any other word for a view name and fail with a 500.
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return reverse_lazy(default)


@login_required
def two_factor(request):
    """Ask for a TOTP or backup code; staff who must use two-factor but have none set it up."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    if not any(devices_for_user(user, confirmed=True)):
        return redirect(f"{reverse_lazy('accounts:two_factor_setup')}?next={_safe_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _match_code(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", "The security code is wrong or has already been used")
    return render(request, "accounts/two_factor.html", {"form": form, "next": _safe_next(request)})


def _match_code(user, token):
    """The device that accepts `token`: an app's 6-digit code, or else one backup code.

    django-otp's match_token tries every device, so each backup code used also counted as a
    failed TOTP attempt and pushed the app's throttling delay up. The two look different
    (6 digits, 8 hexadecimal characters), so each is tried only against its own kind."""
    kind = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    with transaction.atomic():  # locked, as match_token does, so throttling counts hold
        for device in kind.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token):  # each kind applies its own throttling
                return device
    return None


def _qr_svg(uri):
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def two_factor_setup(request):
    """Add an authenticator app: scan the code, confirm one code, get backup codes."""
    user = request.user
    if user.is_verified() is False and any(devices_for_user(user, confirmed=True)):
        # Adding a new device needs the current one first.
        return redirect("accounts:two_factor")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_backup_codes(user)
            otp_login(request, device)
            return render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "next": _safe_next(request), "first_time": True},
            )
        form.add_error(
            "token", "That code did not match. Check the time on your phone and try again"
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _safe_next(request),
        },
    )


def _new_backup_codes(user):
    static, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
    static.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


@require_POST
@login_required
def backup_codes(request):
    """Replace the backup codes; only for a session that has already passed two-factor."""
    if not request.user.is_verified():
        return redirect("accounts:two_factor")
    with transaction.atomic():
        codes = _new_backup_codes(request.user)
    return render(
        request,
        "accounts/backup_codes.html",
        {"codes": codes, "next": reverse_lazy("accounts:security")},
    )


@login_required
def security(request):
    user = request.user
    has_app = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    remaining = StaticToken.objects.filter(device__user=user).count()
    return render(
        request,
        "accounts/security.html",
        {"has_app": has_app, "remaining_codes": remaining},
    )


@require_POST
@login_required
def two_factor_disable(request):
    user = request.user
    if user.is_manager:
        messages.error(request, "Managers must keep two-factor authentication switched on.")
        return redirect("accounts:security")
    if not user.is_verified():
        return redirect("accounts:two_factor")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    messages.success(request, "Two-factor authentication is switched off.")
    return redirect("accounts:security")


@login_required
def kept_post(request):
    """The "Send what you typed?" page: a form kept when the session ended
    (accounts.kept_post), sent again to where it was going only when the person presses the
    button; or discarded."""
    form = kept.kept(request)
    if request.method == "POST":
        kept.forget(request)
        if form is not None:
            messages.info(request, "What you typed was discarded. Nothing was sent.")
        return redirect("home")
    if form is None:
        return redirect("home")
    if not kept.belongs_to(form, request.user):
        # Typed by someone else on this computer (or by no one known): never shown to another.
        kept.forget(request)
        messages.info(
            request,
            "A form sent on this computer after its session ended was not yours, so it was "
            "discarded without being shown or sent.",
        )
        return redirect("home")
    return render(
        request,
        "accounts/kept_post.html",
        {
            "form": form,
            "rows": readable_rows(form["fields"], form["path"]),
            "by_page": readable_rows(form["fields"], form["path"], typed_only=False),
        },
    )
