from django.contrib import admin

from config.admin import ReadOnlyAdmin

from . import cache
from .models import Service, StatusChange


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "group", "position"]
    list_filter = ["group"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.invalidate_on_commit()  # names are on the public page

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache.invalidate_on_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.invalidate_on_commit()


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    """Read only: changes are made and cancelled through the register, which keeps the history."""

    list_display = ["service", "status", "effective_at", "created_by", "cancelled_at"]
    list_filter = ["status"]
    search_fields = ["service__name", "message"]
    list_select_related = ["service", "created_by"]
