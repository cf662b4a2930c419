from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subscriptions"
    verbose_name = "Status page subscriptions"

    def ready(self):
        from .logs import hide_subscriber_tokens

        hide_subscriber_tokens()
