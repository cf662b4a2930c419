from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Patch, Team, User


class PatchInline(admin.TabularInline):
    model = Patch
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    inlines = [PatchInline]
    search_fields = ["name"]


@admin.register(Patch)
class PatchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "team"]
    list_filter = ["team"]
    search_fields = ["code", "name"]


# Changes to these are written to the admin history with their before and after values.
AUDITED_FIELDS = ["role", "team", "is_active", "is_staff", "is_superuser"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("Role", {"fields": ("role", "team")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Role", {"fields": ("role", "team")}),)
    list_select_related = ["team"]

    def construct_change_message(self, request, form, formsets, add=False):
        # Django's own message names the fields only; a role change must say from what to what.
        message = super().construct_change_message(request, form, formsets, add)
        if add:
            return message
        changes = []
        for name in AUDITED_FIELDS:
            if name in form.changed_data:
                field = form.fields[name]
                before = _shown(field, form.initial.get(name))
                after = _shown(field, form.cleaned_data.get(name))
                changes.append(
                    f"{User._meta.get_field(name).verbose_name} from {before} to {after}"
                )
        if not changes:
            return message
        return "Changed " + "; ".join(changes) + "."


def _shown(field, value):
    if value in (None, ""):
        return "(none)"
    if hasattr(value, "pk"):
        return str(value)
    choices = dict(getattr(field, "choices", None) or [])
    if value in choices and str(choices[value]):
        return str(choices[value])
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(field, "queryset"):
        found = field.queryset.filter(pk=value).first()
        return str(found) if found else str(value)
    return str(value)


# django-otp's own device pages show TOTP keys (and a QR code of them) and backup codes. Here a
# manager can only see who has which device and delete one (a lost phone), never its secret.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice, StaticDevice)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
