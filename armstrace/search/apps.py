from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "armstrace.search"
    label = "search"

    def ready(self) -> None:
        from armstrace.search import signals  # noqa: F401  (keeps the serial index current)
