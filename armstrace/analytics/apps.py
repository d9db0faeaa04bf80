from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Using trace results: time to crime, sources, routes, import-control effectiveness and
    SDG 16.4.2, computed in SQL over the registry and the traces (issue 9)."""

    name = "armstrace.analytics"
    label = "analytics"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from armstrace.analytics import services
        from armstrace.registry.models import Event, Weapon
        from armstrace.tracing.signals import event_appended

        event_appended.connect(services.on_trace_event, dispatch_uid="analytics.traced")
        post_save.connect(services.on_event_saved, sender=Event, dispatch_uid="analytics.custody")
        post_save.connect(services.on_weapon_saved, sender=Weapon, dispatch_uid="analytics.weapon")
