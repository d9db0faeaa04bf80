"""Who may see the federation's peers, inbox and outbox: points of contact and
administrators (peers are managed by administrators, in the admin and on the command line)."""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

FEDERATION_VIEW = declare(
    "federation:message:view",
    {Role.POINT_OF_CONTACT, Role.ADMINISTRATOR},
    "See peer nodes, their points of contact, and the federation inbox and outbox",
)
