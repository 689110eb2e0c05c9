"""Every error the API answers is JSON, DEBUG on or off.

DRF already answers its own errors in JSON; what it never sees are Django's: a URL no pattern
matches (an unknown path, or a golden id the URL pattern refuses such as `CUS-NOPE`), a method a
plain view refuses, and the 500 page of an uncaught error. Under /api/ those become
`{"detail": "..."}` with the same status and headers, instead of an HTML page (with DEBUG on,
Django's debug page, which shows settings and code to whoever asks)."""

from __future__ import annotations

from http import HTTPStatus

from django.http import JsonResponse

API_PREFIX = "/api/"
DETAILS = {
    404: "Not found.",
    405: "Method not allowed.",
    500: "Server error: the request could not be answered (the error is logged).",
}


def _detail(status: int) -> str:
    if status in DETAILS:
        return DETAILS[status]
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return "Error."


def _is_json(response) -> bool:
    content_type = response.get("Content-Type", "")
    return content_type.startswith("application/json") or "+json" in content_type.split(";")[0]


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith(API_PREFIX) or _is_json(response):
            return response
        answer = JsonResponse({"detail": _detail(response.status_code)}, status=response.status_code)
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                answer[header] = value
        return answer
