from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "armstrace.core"
    label = "core"
