"""Who may check marks and record imports, run marking campaigns, handle found or seized
weapons and record destructions. Reading a weapon's marking checks needs only the registry's
`registry:weapon:view`, scoped to the weapon's agency.

Writes are scoped to an agency: registrars act on campaigns, finds and weapons of their own
agency (an agency with national scope reaches every agency). Auditors read everything;
investigators read found and seized weapons.
"""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

CAMPAIGN_VIEW = declare(
    "marking:campaign:view",
    {Role.REGISTRAR, Role.AUDITOR, Role.ADMINISTRATOR},
    "See marking campaigns, their marks and progress",
)
CAMPAIGN_MANAGE = declare(
    "marking:campaign:manage",
    {Role.REGISTRAR},
    "Create a marking campaign, select weapons, allocate marks, record results",
)
FOUND_VIEW = declare(
    "marking:found:view",
    {Role.REGISTRAR, Role.INVESTIGATOR, Role.AUDITOR, Role.ADMINISTRATOR},
    "See found, seized and surrendered weapons, collections and destructions",
)
FOUND_RECORD = declare(
    "marking:found:record",
    {Role.REGISTRAR},
    "Register found, seized or collected weapons and route them to marking or destruction",
)
DESTRUCTION_RECORD = declare(
    "marking:destruction:record",
    {Role.REGISTRAR},
    "Record the destruction of scheduled weapons and issue the certificate",
)
IMPORT_RECORD = declare(
    "marking:import:record", {Role.REGISTRAR}, "Record an import and its import mark"
)
BADLY_MARKED_ROUTE = declare(
    "marking:badly_marked:route",
    {Role.REGISTRAR},
    "Send unmarked or badly marked weapons to a marking campaign or to destruction",
)
