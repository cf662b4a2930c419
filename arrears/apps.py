from django.apps import AppConfig


class ArrearsConfig(AppConfig):
    name = "arrears"
