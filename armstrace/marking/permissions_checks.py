"""Permissions of the marking checks: recording imports and routing badly marked weapons.

Reading the checks needs only the registry's `registry:weapon:view`, scoped to the weapon's
agency; writes are for registrars of the weapon's agency.
"""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

IMPORT_RECORD = declare(
    "marking:import:record", {Role.REGISTRAR}, "Record an import and its import mark"
)
BADLY_MARKED_ROUTE = declare(
    "marking:badly_marked:route",
    {Role.REGISTRAR},
    "Send unmarked or badly marked weapons to a marking campaign or to destruction",
)
