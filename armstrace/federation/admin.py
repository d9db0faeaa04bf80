from django.contrib import admin

from armstrace.federation.models import Peer, PeerKey


class PeerKeyInline(admin.TabularInline[PeerKey, Peer]):
    model = PeerKey
    extra = 0
    fields = ["key_id", "public_key", "valid_from", "retired_at"]


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin[Peer]):
    """Administrators edit a peer's name, endpoint, contacts and active flag, and retire
    its keys; new peers with their first key come from `armstrace federation peer add`."""

    list_display = ["node_id", "state", "name", "endpoint", "active", "hub"]
    list_filter = ["active", "hub"]
    search_fields = ["node_id", "name"]
    inlines = [PeerKeyInline]
