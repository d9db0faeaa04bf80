"""Who may read the analytics.

The figures are national: every agency's traces and records, aggregated, with the names of
importers and dealers behind traced weapons. The point of contact (who reports to the UN
and warns other states), auditors and administrators read them; investigators and
registrars do not, because a role's grant cannot limit an aggregate to one agency's share
of it (docs/domain/analytics.md). Exports are a permission of their own: the tables leave
the system.
"""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

READERS = {Role.POINT_OF_CONTACT, Role.AUDITOR, Role.ADMINISTRATOR}

INDICATORS_VIEW = declare(
    "analytics:indicators:view",
    READERS,
    "See the national analytics: trace statistics, SDG 16.4.2, sources, routes, dealers, "
    "import controls",
)
INDICATORS_EXPORT = declare(
    "analytics:indicators:export",
    READERS,
    "Download the analytics tables and charts' figures as CSV or XLSX",
)
