"""What each role may do in the registry. Writes are scoped to the user's agency."""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

READERS = {
    Role.REGISTRAR,
    Role.INVESTIGATOR,
    Role.POINT_OF_CONTACT,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
}

WEAPON_VIEW = declare("registry:weapon:view", READERS, "See weapons, their marks and events")
WEAPON_CREATE = declare("registry:weapon:create", {Role.REGISTRAR}, "Register a weapon")
WEAPON_EDIT = declare(
    "registry:weapon:edit", {Role.REGISTRAR}, "Add components and marks to a weapon"
)
EVENT_RECORD = declare("registry:event:record", {Role.REGISTRAR}, "Record a life-cycle event")
PARTY_VIEW = declare("registry:party:view", READERS, "See parties (makers, dealers, holders)")
PARTY_CREATE = declare("registry:party:create", {Role.REGISTRAR}, "Create a party")
RETENTION_PURGE = declare(
    "registry:weapon:purge", {Role.ADMINISTRATOR}, "Purge records past their retention floor"
)
# Concealed marks (and their images and restorations) are shown only to those who record
# marks and to administrators, in the weapon's agency; investigators, auditors and points
# of contact see that a weapon exists, not its hidden marks (docs/domain/marking-images.md).
MARK_CONCEALED = declare(
    "registry:mark:concealed",
    {Role.REGISTRAR, Role.ADMINISTRATOR},
    "See and record concealed marks, their images and restorations",
)
IMAGE_ADD = declare(
    "registry:image:add", {Role.REGISTRAR}, "Attach photographs to a weapon, its marks and events"
)
RESTORATION_RECORD = declare(
    "registry:restoration:record",
    {Role.REGISTRAR, Role.INVESTIGATOR},
    "Record a laboratory's restoration of an erased serial or mark",
)
