from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """National reports (ITI and PoA), diversion notices and the assistance register
    (issue 9)."""

    name = "armstrace.reporting"
    label = "reporting"

    def ready(self) -> None:
        from armstrace.reporting.receivers import diversion_notices
        from armstrace.tracing.signals import outcome_recorded

        outcome_recorded.connect(diversion_notices, dispatch_uid="reporting:diversion-notices")
