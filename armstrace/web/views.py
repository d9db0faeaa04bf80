"""The home page: sends each user where they can work."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from armstrace.accounts.decorators import public
from armstrace.accounts.permissions import has_permission
from armstrace.registry.permissions import WEAPON_VIEW


@public
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if has_permission(request.user, WEAPON_VIEW):
        return redirect("registry:weapon-list")
    # A user without any role would only meet a 403 on the weapon list: say why here.
    return render(request, "web/home.html")
