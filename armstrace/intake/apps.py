from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """Bulk import of paper and spreadsheet records, and business-closure handovers."""

    name = "armstrace.intake"
    label = "intake"

    def ready(self) -> None:
        from armstrace.intake.views import ledger_panel
        from armstrace.registry.panels import Panel, register

        register(Panel("intake/ledger_panel.html", ledger_panel))
