from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messages (GOV.UK Notify)"

    def ready(self):
        from tenants import sections

        from .selectors import tenant_record_messages

        # A row of the record's details: how a text or email would reach the tenant, and the
        # way to their messages and contact preferences.
        sections.register(
            "messages",
            template="messaging/includes/tenant_messages.html",
            context=lambda user, tenant, today: tenant_record_messages(tenant),
            place=sections.IN_DETAILS,
        )
