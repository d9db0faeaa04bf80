from armstrace.accounts.choices import Role
from armstrace.accounts.permissions import declare

IDENTIFY = declare(
    "reference:weapon:identify",
    set(Role),
    "Identify a weapon from a description (manufacturer, model, calibre, marks)",
)
