"""The console's classifier-rule pages, included in accounts.urls under the `console` namespace."""

from django.urls import path

from recovery.views import rules

urlpatterns = [
    path("rules/", rules.rules, name="rules"),
    path("rules/new/", rules.rule_new, name="rule_new"),
    path("rules/<str:rule_slug>/", rules.rule_edit, name="rule_edit"),
    path("rules/<str:rule_slug>/delete/", rules.rule_delete, name="rule_delete"),
]
