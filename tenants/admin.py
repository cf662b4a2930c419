from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import AccessLog, PatchArea, Scheme, SupportProvider, Tenant
from .selectors import log_access


@admin.register(Tenant)
class TenantAdmin(ReadOnlyAdmin):
    list_display = ["tenancy_ref", "last_name", "first_name", "patch"]
    search_fields = ["tenancy_ref", "last_name"]
    list_select_related = ["patch"]

    # Every admin read of tenant data is written to the access log, as the service's own are.
    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            query = request.GET.get("q", "")
            log_access(
                user=request.user, kind=AccessLog.Kind.SEARCH, query=query, page=request.path
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        tenant = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and tenant is not None:
            log_access(
                user=request.user, kind=AccessLog.Kind.VIEW, tenant=tenant, page=request.path
            )
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        tenant = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200 and tenant is not None:
            log_access(
                user=request.user, kind=AccessLog.Kind.VIEW, tenant=tenant, page=request.path
            )
        return response


# Family contacts are personal data of people who are not tenants: not in the admin at all.
admin.site.register([Scheme, SupportProvider, PatchArea])
