from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "armstrace.federation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from armstrace.federation import handlers, inbox, outbox

        outbox.connect()
        handlers.register(inbox.HANDLERS)
