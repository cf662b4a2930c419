"""The Django admin: only managers who have passed two-factor authentication may use it."""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class ManagerAdminSite(OTPAdminSite):
    site_header = "Welfare operations administration"
    site_title = "Welfare operations administration"

    def __init__(self, name="admin"):
        # Keep the "admin" namespace so reverse("admin:...") and Django's templates still work.
        super().__init__(name)

    def has_permission(self, request):
        # OTPAdminSite adds is_verified() to Django's is_active and is_staff; the admin bypasses
        # the team and role model, so only managers may use it, whatever their flags say.
        return super().has_permission(request) and request.user.is_manager

    def login(self, request, extra_context=None):
        # One way in: the service's own sign-in, with its lockout and two-factor pages. Someone
        # signed in who may not use the admin is refused (sending them to sign in would loop).
        if request.user.is_authenticated:
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Seen, never changed: the service changes these itself, checking teams and keeping history."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
