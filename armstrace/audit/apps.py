from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "armstrace.audit"
    label = "audit"
