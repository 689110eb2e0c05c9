from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    """JSON bodies up to CONCORD_API_MAX_BODY_BYTES; larger ones are refused before parsing."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.CONCORD_API_MAX_BODY_BYTES
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > limit:
            raise ParseError(f"request body is {length} bytes; the limit is {limit}")
        return super().parse(stream, media_type, parser_context)
