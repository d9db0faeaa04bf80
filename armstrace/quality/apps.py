from django.apps import AppConfig


class QualityConfig(AppConfig):
    """Data-quality rules over the registry and spot checks against source documents."""

    name = "armstrace.quality"
    label = "quality"
