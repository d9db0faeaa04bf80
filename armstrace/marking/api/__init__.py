"""Marking endpoints under /api/v1/marking."""

from ninja import Router

from armstrace.marking.api import campaigns, checks

router = Router(tags=["marking"])
router.add_router("", checks.router)
router.add_router("", campaigns.router)
