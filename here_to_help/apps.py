from django.apps import AppConfig


class HereToHelpConfig(AppConfig):
    name = "here_to_help"
    verbose_name = "Here to Help"

    def ready(self):
        from tenants import sections

        from .selectors import help_context

        sections.register(
            "help",
            template="help/includes/tenant_requests.html",
            context=lambda user, tenant, today: help_context(user, tenant),
        )
