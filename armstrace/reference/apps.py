import contextlib
import sys
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def load_bundled_reference(sender: AppConfig, **kwargs: Any) -> None:
    """After `migrate`, load the bundled reference data if it is missing or outdated, so an
    empty database needs no set-up beyond `armstrace migrate`."""
    from armstrace.core.context import audit_context, optional_context
    from armstrace.reference.loader import LocalEdits, load_reference, needs_load

    if not needs_load():
        return
    context = (
        contextlib.nullcontext()  # a command that audits in its own name ran migrate
        if optional_context() is not None
        else audit_context(actor_id=None, actor_name="system:migrate", channel="system")
    )
    try:
        with context:
            load_reference()
    except LocalEdits as error:  # the database keeps its edited set; migrate goes on
        stream = kwargs.get("stdout") or sys.stderr
        stream.write(f"The bundled reference data changed but was not loaded: {error}\n")


class ReferenceConfig(AppConfig):
    name = "armstrace.reference"
    label = "reference"
    verbose_name = _("Reference data")

    def ready(self) -> None:
        post_migrate.connect(load_bundled_reference, sender=self)
