from django.urls import path

from stewardship import api, golden_views, matching_views, views

app_name = "stewardship"

urlpatterns = [
    path("", views.home, name="home"),
    path("review/", views.match_queue, name="match_queue"),
    path("review/bulk/", views.match_bulk, name="match_bulk"),
    path("review/<int:candidate_id>/preview/", views.match_preview, name="match_preview"),
    path("review/<int:candidate_id>/<str:verb>/", views.match_decide, name="match_decide"),
    path("review/teach/", matching_views.teach_queue, name="teach_queue"),
    path("review/teach/draw/", matching_views.teach_draw, name="teach_draw"),
    path("review/teach/<int:request_id>/<str:answer>/", matching_views.teach_answer, name="teach_answer"),
    path("matching/", matching_views.model_overview, name="model_overview"),
    path("matching/<str:domain>/", matching_views.model_detail, name="model_detail"),
    path("matching/<str:domain>/preview/", matching_views.rule_preview, name="rule_preview"),
    path("matching/<str:domain>/preview/<int:preview_id>/", matching_views.rule_preview_detail,
         name="rule_preview_detail"),
    path("matching/<str:domain>/preview/<int:preview_id>/apply/", matching_views.rule_apply, name="rule_apply"),
    path("api/v1/matching/<str:domain>/preview/", api.RulePreviewStart.as_view(), name="api-rule-preview"),
    path("api/v1/matching/<str:domain>/preview/<int:preview_id>/", api.RulePreviewDetail.as_view(),
         name="api-rule-preview-detail"),
    path("api/v1/matching/<str:domain>/preview/<int:preview_id>/apply/", api.RuleApply.as_view(),
         name="api-rule-apply"),
    # The browser's own paths come before golden/<golden_id>/: "export" and "views" are no golden ids.
    path("golden/", golden_views.golden_list, name="golden_list"),
    path("golden/export/", golden_views.golden_export, name="golden_export"),
    path("golden/views/", golden_views.saved_view_create, name="saved_view_create"),
    path("golden/views/<int:view_id>/delete/", golden_views.saved_view_remove, name="saved_view_delete"),
    path("golden/<str:golden_id>/", views.golden_detail, name="golden"),
    path("golden/<str:golden_id>/resolve/<str:attribute>/", views.resolve, name="resolve"),
    path("golden/<str:golden_id>/overrides/<int:override_id>/remove/", views.override_remove_view,
         name="override_remove"),
    path("golden/<str:golden_id>/merge/", views.merge, name="merge"),
    path("golden/<str:golden_id>/unmerge/", views.unmerge, name="unmerge"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("exceptions/bulk/", views.exceptions_bulk, name="exceptions_bulk"),
    path("exceptions/quarantine/<int:entry_id>/", views.quarantine_fix, name="quarantine_fix"),
    path("exceptions/quarantine/<int:entry_id>/discard/", views.quarantine_discard_view, name="quarantine_discard"),
    path("exceptions/outbox/<int:message_id>/replay/", views.outbox_replay_view, name="outbox_replay"),
    path("council/", views.council, name="council"),
    path("council/bulk/", views.council_bulk, name="council_bulk"),
    path("council/<int:request_id>/", views.council_request, name="council_request"),
    path("council/<int:request_id>/<str:verb>/", views.council_decide, name="council_decide"),
    path("search/", views.search_view, name="search"),
]
