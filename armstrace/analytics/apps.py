from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Using trace results: time to crime, sources, routes, import-control effectiveness and
    SDG 16.4.2, computed in SQL over the registry and the traces (issue 9)."""

    name = "armstrace.analytics"
    label = "analytics"
