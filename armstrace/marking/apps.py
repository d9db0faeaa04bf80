from django.apps import AppConfig


class MarkingConfig(AppConfig):
    """National marking rules, import marks, marking campaigns and found or seized weapons."""

    name = "armstrace.marking"
    label = "marking"
