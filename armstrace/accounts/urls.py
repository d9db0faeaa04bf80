"""Sign-in (password, then a TOTP code where the role needs one) and sign-out pages, open
to everyone."""

from collections.abc import Callable

from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpResponseBase
from django.urls import path
from django.views.generic import TemplateView

from armstrace.accounts import views
from armstrace.accounts.decorators import PERMISSION_ATTR

ClassView = Callable[..., HttpResponseBase]


def public_view(view: ClassView) -> ClassView:
    """`@public` for the function `as_view()` returns (typed HttpResponseBase, not HttpResponse)."""
    setattr(view, PERMISSION_ATTR, "public")
    return view


urlpatterns = [
    path(
        "login/",
        public_view(LoginView.as_view(template_name="registration/login.html")),
        name="login",
    ),
    path("login/verify/", views.otp_verify, name="otp-verify"),
    path("login/enrol/", views.otp_enrol, name="otp-enrol"),
    # POST only (Django 5): a link or a prefetch cannot sign anyone out.
    path("logout/", public_view(LogoutView.as_view(next_page="signed-out")), name="logout"),
    path("language/", views.choose_language, name="language"),
    # Not "logged_out.html": django.contrib.admin ships one and comes first in INSTALLED_APPS.
    path(
        "signed-out/",
        public_view(TemplateView.as_view(template_name="registration/signed_out.html")),
        name="signed-out",
    ),
]
