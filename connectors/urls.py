from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from connectors.events import events_view

urlpatterns = [
    # Signed with a per-system HMAC, not a session: no CSRF token to check.
    path("api/v1/events/<slug:system>/", csrf_exempt(events_view), name="inbound-events"),
]
