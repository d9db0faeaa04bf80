from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Using trace results: time to crime, sources, routes, import-control effectiveness and
    SDG 16.4.2, computed in SQL over the registry and the traces (issue 9)."""

    name = "armstrace.analytics"
    label = "analytics"

    def ready(self) -> None:
        from armstrace.analytics.services import on_trace_event
        from armstrace.tracing.signals import event_appended

        event_appended.connect(on_trace_event, dispatch_uid="analytics.traced")
