from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

WEAPON_SEARCH = declare(
    "search:weapon:search",
    {Role.REGISTRAR, Role.INVESTIGATOR, Role.POINT_OF_CONTACT, Role.AUDITOR, Role.ADMINISTRATOR},
    "Search weapons by serial and other clues",
)
SEARCH_LOG_VIEW = declare(
    "search:log:view", {Role.AUDITOR, Role.ADMINISTRATOR}, "Read who searched for what and why"
)
