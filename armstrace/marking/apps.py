from django.apps import AppConfig


class MarkingConfig(AppConfig):
    """National marking rules, import marks, marking campaigns and found or seized weapons."""

    name = "armstrace.marking"
    label = "marking"

    def ready(self) -> None:
        # The weapon page shows the marking checks; the quality report runs the rules of
        # the profiles in force.
        from armstrace.marking import findings, panels
        from armstrace.registry.panels import register

        register(panels.PANEL)
        findings.register_quality_rules()
