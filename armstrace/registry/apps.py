from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "armstrace.registry"
    label = "registry"
