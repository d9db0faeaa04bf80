from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "armstrace.reference"
    label = "reference"
