"""Campaign, find, collection and destruction pages under /marking/."""

from django.urls import URLPattern, path

from armstrace.marking import views_campaigns as views

urlpatterns: list[URLPattern] = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/select/", views.campaign_select, name="campaign-select"),
    path("campaigns/<int:pk>/allocate/", views.campaign_allocate, name="campaign-allocate"),
    path("campaigns/<int:pk>/job.csv", views.campaign_job, name="campaign-job"),
    path("campaigns/<int:pk>/checklist.pdf", views.campaign_checklist, name="campaign-checklist"),
    path("campaigns/<int:pk>/log/", views.campaign_log, name="campaign-log"),
    path(
        "campaigns/<int:pk>/items/<int:item_id>/result/",
        views.campaign_result,
        name="campaign-result",
    ),
    path("found/", views.find_list, name="find-list"),
    path("found/new/", views.find_create, name="find-create"),
    path("collections/", views.collection_list, name="collection-list"),
    path("collections/new/", views.collection_create, name="collection-create"),
    path("collections/<int:pk>/", views.collection_detail, name="collection-detail"),
    path("collections/<int:pk>/route/", views.collection_route, name="collection-route"),
    path("destructions/<int:pk>/", views.destruction_detail, name="destruction-detail"),
    path("destructions/<int:pk>/record/", views.destruction_record, name="destruction-record"),
    path(
        "destructions/<int:pk>/certificate.pdf",
        views.destruction_certificate,
        name="destruction-certificate",
    ),
]
