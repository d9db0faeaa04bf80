"""Who may do what with trace requests.

Investigators file domestic requests and see their agency's requests; the national point
of contact handles every international request and releases answers; registrars of the
registry contribute registry data to drafts and answer domestic requests; auditors read.
"""

from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

R = Role

REQUEST_VIEW = declare(
    "tracing:request:view",
    {R.INVESTIGATOR, R.POINT_OF_CONTACT, R.REGISTRAR, R.AUDITOR, R.ADMINISTRATOR},
    "See trace requests (investigators and registrars: of their own agency)",
)
REQUEST_CREATE = declare(
    "tracing:request:create",
    {R.INVESTIGATOR, R.POINT_OF_CONTACT},
    "File a domestic trace request",
)
REQUEST_INTERNATIONAL = declare(
    "tracing:request:international",
    {R.POINT_OF_CONTACT},
    "Send and receive international trace requests and record the counterpart's replies",
)
REQUEST_RESPOND = declare(
    "tracing:request:respond",
    {R.POINT_OF_CONTACT, R.REGISTRAR},
    "Acknowledge, work on, delay, restrict or refuse a domestic request",
)
ANSWER_DRAFT = declare(
    "tracing:answer:draft",
    {R.POINT_OF_CONTACT, R.REGISTRAR},
    "Draft an answer from the registry",
)
ANSWER_RELEASE = declare(
    "tracing:answer:release",
    {R.POINT_OF_CONTACT},
    "Release an answer to another state (and any domestic answer)",
)
ANSWER_RELEASE_DOMESTIC = declare(
    "tracing:answer:release_domestic",
    {R.POINT_OF_CONTACT, R.REGISTRAR},
    "Release an answer to a domestic request",
)
REQUEST_REMIND = declare(
    "tracing:request:remind",
    {R.POINT_OF_CONTACT, R.ADMINISTRATOR},
    "Send reminders and escalate overdue requests",
)
QUESTION_SEND = declare(
    "tracing:question:send",
    {R.POINT_OF_CONTACT},
    "Ask a manufacturer or dealer about one weapon through a one-time portal link",
)
