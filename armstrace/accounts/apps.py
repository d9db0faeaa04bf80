from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "armstrace.accounts"
    label = "accounts"

    def ready(self) -> None:
        from armstrace.accounts import signals  # noqa: F401  (connects login auditing)
