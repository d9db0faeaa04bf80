"""Who may see import runs and the books and scans of closed businesses."""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

IMPORT_VIEW = declare(
    "intake:batch:view",
    {Role.REGISTRAR, Role.AUDITOR, Role.ADMINISTRATOR},
    "See import runs and their counts",
)
