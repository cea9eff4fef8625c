from django.urls import path

from accounts.api import OrganizationRetrieveApi

urlpatterns = [
    path("organization", OrganizationRetrieveApi.as_view(), name="api-organization"),
]
