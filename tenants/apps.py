from pathlib import Path

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"

    def ready(self):
        from imports import registry

        registry.register(
            registry.ImportKind(
                slug="tenants",
                title="Import tenants",
                done_title="Tenants imported",
                file_label="tenant file",
                importer="tenants.importing.TenantImport",
                roles=("manager",),
                format_hint=(
                    "Upload the tenant file exported from the housing management system, "
                    "saved as CSV UTF-8."
                ),
                format_template="tenants/import/_format.html",
                sample=str(Path(__file__).parent / "formats" / "tenants-sample.csv"),
                panel_template="tenants/import/_unassigned_panel.html",
                panel_context="tenants.import_views.unassigned_panel",
                counts=(
                    ("created", "New tenants"),
                    ("updated", "Tenants updated"),
                    ("unchanged", "Unchanged"),
                    ("rejected", "Rejected"),
                    ("unassigned", "Unassigned (no patch)"),
                ),
            )
        )
