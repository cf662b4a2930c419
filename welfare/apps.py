from django.apps import AppConfig


class WelfareConfig(AppConfig):
    name = "welfare"

    def ready(self):
        from imports import registry
        from tenants import sections
        from tenants.signals import (
            tenant_flags_changed,
            tenant_import_saved,
            tenant_numbers_changed,
        )

        from . import call_config
        from .bulk_audiences import register as register_bulk_audiences
        from .selectors import tenant_record_calls_section

        sections.register(
            "calls",
            template="welfare/includes/tenant_calls.html",
            context=lambda user, tenant, today: tenant_record_calls_section(tenant, today),
            place=sections.WITH_DETAILS,
        )
        register_bulk_audiences()
        # A campaign's imported list runs on the background imports flow, started from the
        # campaign's page ("Import the list"): check first, then confirm, under "Your imports".
        registry.register(
            registry.ImportKind(
                slug="campaign-list",
                title="Import a campaign's list",
                done_title="List imported",
                file_label="campaign list",
                importer="welfare.campaign_import.CampaignListImport",
                roles=("manager",),
                listed=False,
                start_url="welfare.campaign_import.upload_url",
                started_from=(
                    "A campaign's list is imported from the campaign's own page",
                    "campaigns:list",
                    "Campaigns",
                ),
                report_template="welfare/campaigns/_list_report.html",
                report_context="welfare.campaign_import.report_context",
                counts=(
                    ("added", "Added"),
                    ("already on the list", "Already on the list"),
                    ("rejected", "Rejected"),
                ),
                unwritten_counts=(
                    ("added", "Would be added"),
                    ("already on the list", "Already on the list"),
                    ("rejected", "Rejected"),
                ),
            )
        )
        tenant_flags_changed.connect(calls_follow_flags, dispatch_uid="welfare.calls_follow_flags")
        tenant_numbers_changed.connect(
            calls_follow_numbers, dispatch_uid="welfare.calls_follow_numbers"
        )
        tenant_import_saved.connect(
            providers_get_owners, dispatch_uid="welfare.providers_get_owners"
        )
        call_config.connect()


def calls_follow_numbers(sender, *, tenant, now, **kwargs):
    """A number added or marked on the record: see `queue_now.calls_follow_numbers`."""
    from .queue_now import calls_follow_numbers

    return calls_follow_numbers(tenant=tenant, now=now)


def calls_follow_flags(sender, *, tenant, changed, **kwargs):
    """A tenant's flags changed on their record: calls stop at once, not at the next morning's
    build, and a reported death goes to a manager as it does when reported on a call."""
    from .flag_actions import calls_follow_flags

    calls_follow_flags(tenant=tenant, changed=changed)


def providers_get_owners(sender, *, on, **kwargs):
    """A tenant import saved its rows: each provider no team checks in with (a new one it
    named, say) gets the team of most of its tenants, so none goes without check-ins."""
    from .provider_actions import provider_owners_from_tenants

    provider_owners_from_tenants(on=on)
