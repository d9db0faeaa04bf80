from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "armstrace.accounts"
    label = "accounts"
    verbose_name = _("Users and agencies")

    def ready(self) -> None:
        from armstrace.accounts import signals  # noqa: F401  (connects login auditing)
