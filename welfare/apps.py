from django.apps import AppConfig


class WelfareConfig(AppConfig):
    name = "welfare"

    def ready(self):
        from tenants import sections
        from tenants.signals import tenant_flags_changed

        from .bulk_audiences import register as register_bulk_audiences
        from .selectors import tenant_record_calls_section

        sections.register(
            "calls",
            template="welfare/includes/tenant_calls.html",
            context=lambda user, tenant, today: tenant_record_calls_section(tenant, today),
            place=sections.WITH_DETAILS,
        )
        register_bulk_audiences()
        tenant_flags_changed.connect(calls_follow_flags, dispatch_uid="welfare.calls_follow_flags")


def calls_follow_flags(sender, *, tenant, changed, **kwargs):
    """A tenant's flags changed on their record: calls stop at once, not at the next morning's
    build, and a reported death goes to a manager as it does when reported on a call."""
    from .call_actions import calls_follow_flags

    calls_follow_flags(tenant=tenant, changed=changed)
