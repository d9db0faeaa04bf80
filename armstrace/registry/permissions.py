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
