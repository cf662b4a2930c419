from django.apps import AppConfig


class ArrearsConfig(AppConfig):
    name = "arrears"

    def ready(self):
        from tenants import sections

        from .selectors import arrears_context

        sections.register(
            "arrears",
            template="arrears/includes/tenant_arrears.html",
            context=lambda user, tenant, today: arrears_context(user, tenant),
        )
