from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """Bulk import of paper and spreadsheet records, and business-closure handovers."""

    name = "armstrace.intake"
    label = "intake"
