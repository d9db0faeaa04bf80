"""Who may generate national reports, see and export diversion notices, and keep the
assistance register.

National reports are submitted by the national point of contact (poa-iss.org: only
formally identified points of contact submit); administrators and auditors may produce
them too, to check the figures. Notices leave the country only through the point of
contact, as answers to other states do, whether exported as a file or sent to a peer node
as a signed alert. The assistance register records the state's needs and the offers it
hears of: the point of contact decides what is asked and what is accepted, administrators
keep the register in order; auditors read it.
"""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

R = Role

REPORT_GENERATE = declare(
    "reporting:report:generate",
    {R.POINT_OF_CONTACT, R.ADMINISTRATOR, R.AUDITOR},
    "Generate the national report (ITI and PoA) for a period, in any UN language",
)
RECIPIENT_MANAGE = declare(
    "reporting:recipient:manage",
    {R.POINT_OF_CONTACT, R.ADMINISTRATOR},
    "Keep the list of bodies told of diversions",
)
NOTICE_VIEW = declare(
    "reporting:notice:view",
    {R.POINT_OF_CONTACT, R.ADMINISTRATOR, R.AUDITOR},
    "See the diversion notices and their state",
)
NOTICE_EXPORT = declare(
    "reporting:notice:export",
    {R.POINT_OF_CONTACT},
    "Export diversion notices (PDF, JSON) or send them to peer nodes as signed alerts, and "
    "record their acknowledgement",
)
ASSISTANCE_VIEW = declare(
    "reporting:assistance:view",
    {R.POINT_OF_CONTACT, R.ADMINISTRATOR, R.AUDITOR},
    "See the assistance needs and offers, their suggested matches, and export them",
)
ASSISTANCE_MANAGE = declare(
    "reporting:assistance:manage",
    {R.POINT_OF_CONTACT, R.ADMINISTRATOR},
    "Record assistance needs and offers, match them, close them",
)
