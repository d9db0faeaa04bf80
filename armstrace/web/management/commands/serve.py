"""`armstrace serve`: serve the web application with waitress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.core.wsgi import get_wsgi_application
from django.utils.translation import gettext as _

from armstrace.audit import alerts, checkpoints
from armstrace.federation import worker
from armstrace.search import column


def run_server(*, host: str, port: int, threads: int, out: OutputWrapper) -> None:
    """Blocks until interrupted. Static files come from whitenoise, inside the application."""
    import waitress

    # Whitenoise serves from the apps (WHITENOISE_USE_FINDERS) but warns if STATIC_ROOT is absent.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    application = get_wsgi_application()
    column.warm_in_background()
    checkpoints.start_periodic(settings.AUDIT_CHECKPOINT_MINUTES)
    alerts.start_periodic()
    worker.start_in_background()
    shown_host = f"[{host}]" if ":" in host else host
    out.write(_("ArmsTrace is serving on http://%(host)s:%(port)d/ (Ctrl-C stops it)")
              % {"host": shown_host, "port": port})  # fmt: skip
    waitress.serve(application, host=host, port=port, threads=threads, ident="armstrace")


class Command(BaseCommand):
    help = _("Serve ArmsTrace over HTTP with waitress.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on"))
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help=_("worker threads"))

    def handle(self, *args: Any, **options: Any) -> None:
        run_server(
            host=options["host"], port=options["port"], threads=options["threads"], out=self.stdout
        )
