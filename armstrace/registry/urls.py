from django.urls import path

from armstrace.registry import views

app_name = "registry"
urlpatterns = [
    path("weapons/", views.weapon_list, name="weapon-list"),
    path("weapons/new/", views.weapon_create, name="weapon-create"),
    path("weapons/<uuid:pk>/", views.weapon_detail, name="weapon-detail"),
    path("weapons/<uuid:pk>/events/new/", views.event_create, name="event-create"),
    path("weapons/<uuid:pk>/components/new/", views.component_create, name="component-create"),
    path(
        "weapons/<uuid:pk>/components/<int:component_id>/replace/",
        views.component_replace,
        name="component-replace",
    ),
    path("weapons/<uuid:pk>/marks/new/", views.mark_create, name="mark-create"),
    path("weapons/<uuid:pk>/images/new/", views.image_create, name="image-create"),
    path(
        "weapons/<uuid:pk>/restorations/new/",
        views.restoration_create,
        name="restoration-create",
    ),
    path("images/<int:image_id>/", views.image_file, name="image-file"),
    path("images/<int:image_id>/thumbnail/", views.image_thumbnail, name="image-thumbnail"),
]
