from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """National reports (ITI and PoA), diversion notices and the assistance register
    (issue 9)."""

    name = "armstrace.reporting"
    label = "reporting"
