from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from connectors.dynamics.webhooks import notifications_view
from connectors.events import events_view

urlpatterns = [
    # Business Central's webhooks: the validation handshake and notifications verified by their
    # clientState (it signs nothing); before the generic route, which would take the same path.
    path("api/v1/events/dynamics/", csrf_exempt(notifications_view), name="dynamics-notifications"),
    # Signed with a per-system HMAC, not a session: no CSRF token to check.
    path("api/v1/events/<slug:system>/", csrf_exempt(events_view), name="inbound-events"),
]
