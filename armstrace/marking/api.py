"""Marking endpoints under /api/v1/marking."""

from ninja import Router

from armstrace.marking import api_campaigns, api_checks

router = Router(tags=["marking"])
router.add_router("", api_checks.router)
router.add_router("", api_campaigns.router)
