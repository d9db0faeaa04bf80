from armstrace.marking import urls_campaigns, urls_checks

app_name = "marking"

urlpatterns = [*urls_checks.urlpatterns, *urls_campaigns.urlpatterns]
