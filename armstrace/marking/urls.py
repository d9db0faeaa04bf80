"""Marking pages under /marking/: checks and import marks, campaigns, finds, collections
and destructions."""

from django.urls import URLPattern, path

from armstrace.marking.views import campaigns, checks

app_name = "marking"

urlpatterns: list[URLPattern] = [
    path("weapons/<uuid:pk>/import/", checks.weapon_import, name="weapon-import"),
    path(
        "import-marks/missing/",
        checks.missing_import_marks,
        name="missing-import-marks",
    ),
    path("badly-marked/", checks.badly_marked, name="badly-marked"),
    path("badly-marked/route/", checks.badly_marked_route, name="badly-marked-route"),
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/select/", campaigns.campaign_select, name="campaign-select"),
    path("campaigns/<int:pk>/allocate/", campaigns.campaign_allocate, name="campaign-allocate"),
    path("campaigns/<int:pk>/job.csv", campaigns.campaign_job, name="campaign-job"),
    path(
        "campaigns/<int:pk>/checklist.pdf", campaigns.campaign_checklist, name="campaign-checklist"
    ),
    path("campaigns/<int:pk>/log/", campaigns.campaign_log, name="campaign-log"),
    path(
        "campaigns/<int:pk>/items/<int:item_id>/result/",
        campaigns.campaign_result,
        name="campaign-result",
    ),
    path("found/", campaigns.find_list, name="find-list"),
    path("found/new/", campaigns.find_create, name="find-create"),
    path("collections/", campaigns.collection_list, name="collection-list"),
    path("collections/new/", campaigns.collection_create, name="collection-create"),
    path("collections/<int:pk>/", campaigns.collection_detail, name="collection-detail"),
    path("collections/<int:pk>/route/", campaigns.collection_route, name="collection-route"),
    path("destructions/<int:pk>/", campaigns.destruction_detail, name="destruction-detail"),
    path("destructions/<int:pk>/record/", campaigns.destruction_record, name="destruction-record"),
    path(
        "destructions/<int:pk>/certificate.pdf",
        campaigns.destruction_certificate,
        name="destruction-certificate",
    ),
]
