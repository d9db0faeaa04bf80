"""Who may see the federation's peers, inbox and outbox: points of contact and
administrators (peers are managed by administrators, in the admin and on the command line)."""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

FEDERATION_VIEW = declare(
    "federation:message:view",
    {Role.POINT_OF_CONTACT, Role.ADMINISTRATOR},
    "See peer nodes, their points of contact, and the federation inbox and outbox",
)
ALERT_PUBLISH = declare(
    "federation:alert:publish",
    {Role.POINT_OF_CONTACT, Role.ADMINISTRATOR},
    "Publish an alert about a lost, stolen or diverted weapon to peer nodes",
)
ALERT_VIEW = declare(
    "federation:alert:view",
    {Role.POINT_OF_CONTACT, Role.ADMINISTRATOR},
    "See the alerts peer nodes published, with their local matches",
)
ALERT_ACKNOWLEDGE = declare(
    "federation:alert:acknowledge",
    {Role.POINT_OF_CONTACT, Role.ADMINISTRATOR},
    "Acknowledge an alert received from a peer node",
)
EXISTENCE_ASK = declare(
    "federation:existence:ask",
    {Role.POINT_OF_CONTACT, Role.ADMINISTRATOR},
    "Ask peer nodes whether they hold a record for a manufacturer and serial",
)
NATIONAL_SEARCH = declare(
    "federation:national:search",
    {Role.REGISTRAR, Role.INVESTIGATOR, Role.POINT_OF_CONTACT, Role.AUDITOR, Role.ADMINISTRATOR},
    "Search this registry and the other registries of this state at once (national search)",
)
CONSISTENCY_RUN = declare(
    "federation:consistency:run",
    {Role.POINT_OF_CONTACT, Role.ADMINISTRATOR},
    "Run the consistency check against another registry of this state",
)
