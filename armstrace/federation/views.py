"""The inbox endpoint other nodes POST to, and the pages of peers, outbox and inbox."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from armstrace.accounts.decorators import permission_required, public
from armstrace.federation import inbox, messages, selectors
from armstrace.federation.choices import InboxStatus, OutboxStatus
from armstrace.federation.permissions import FEDERATION_VIEW


@public  # authenticated by the message's signature, checked in inbox.receive
@csrf_exempt
@require_POST
def inbox_endpoint(request: HttpRequest) -> HttpResponse:
    limit = settings.FEDERATION_MAX_BODY
    declared = request.headers.get("Content-Length", "")
    too_large = declared.isdigit() and int(declared) > limit  # refused without reading it
    body = b"" if too_large else request.read(limit + 1)
    answer = inbox.receive(body, request.headers, too_large=too_large)
    return JsonResponse(answer.payload, status=answer.status)


@public  # the published JSON schemas of every message
@require_GET
def schemas(request: HttpRequest) -> HttpResponse:
    return JsonResponse(messages.schemas())


@permission_required(FEDERATION_VIEW)
def peer_list(request: HttpRequest) -> HttpResponse:
    return render(request, "federation/peers.html", {"peers": selectors.peers()})


@permission_required(FEDERATION_VIEW)
def outbox_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.outbox(status)[: selectors.PAGE]
    context = {"rows": rows, "status": status, "statuses": OutboxStatus.choices}
    return render(request, "federation/outbox.html", context)


@permission_required(FEDERATION_VIEW)
def inbox_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.inbox(status)[: selectors.PAGE]
    context = {"rows": rows, "status": status, "statuses": InboxStatus.choices}
    return render(request, "federation/inbox.html", context)
