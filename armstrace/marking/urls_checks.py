from django.urls import URLPattern, path

from armstrace.marking import views_checks

urlpatterns: list[URLPattern] = [
    path("weapons/<uuid:pk>/import/", views_checks.weapon_import, name="weapon-import"),
    path(
        "import-marks/missing/",
        views_checks.missing_import_marks,
        name="missing-import-marks",
    ),
    path("badly-marked/", views_checks.badly_marked, name="badly-marked"),
    path("badly-marked/route/", views_checks.badly_marked_route, name="badly-marked-route"),
]
