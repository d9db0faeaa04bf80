from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "armstrace.web"
    label = "web"
