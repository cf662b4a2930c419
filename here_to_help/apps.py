from django.apps import AppConfig


class HereToHelpConfig(AppConfig):
    name = "here_to_help"
    verbose_name = "Here to Help"
