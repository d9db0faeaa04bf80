"""The REST API under /api/v1 (django-ninja); each app contributes a router."""

from ninja import NinjaAPI

api = NinjaAPI(title="ArmsTrace API", version="1", urls_namespace="api")
