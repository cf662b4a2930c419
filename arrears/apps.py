from pathlib import Path

from django.apps import AppConfig


class ArrearsConfig(AppConfig):
    name = "arrears"

    def ready(self):
        from imports import registry

        registry.register(
            registry.ImportKind(
                slug="rent-balances",
                title="Import rent balances",
                done_title="Rent balances imported",
                file_label="rent balance file",
                importer="arrears.importing.RentBalanceImport",
                roles=("income_officer", "manager"),
                format_hint=(
                    "Upload the rent system's weekly balance export, saved as CSV UTF-8: "
                    "tenancy_ref, balance, as_at and, if you have it, weekly_rent."
                ),
                format_template="arrears/import/_format.html",
                sample=str(Path(__file__).parent / "formats" / "rent-balances-sample.csv"),
                counts=(
                    ("created", "New balances"),
                    ("updated", "Balances corrected"),
                    ("unchanged", "Unchanged"),
                    ("ignored", "Ignored (older than the one held)"),
                    ("rejected", "Rejected"),
                ),
            )
        )

        from tenants import sections

        from .selectors import arrears_context

        sections.register(
            "arrears",
            template="arrears/includes/tenant_arrears.html",
            context=lambda user, tenant, today: arrears_context(user, tenant),
        )
