from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import FamilyContact, PatchArea, Scheme, SupportProvider, Tenant


@admin.register(Tenant)
class TenantAdmin(SimpleHistoryAdmin):
    list_display = ["tenancy_ref", "last_name", "first_name", "postcode", "patch"]
    search_fields = ["tenancy_ref", "last_name", "postcode"]
    list_select_related = ["patch"]
    raw_id_fields = ["scheme", "support_provider"]


admin.site.register([Scheme, SupportProvider, PatchArea, FamilyContact])
