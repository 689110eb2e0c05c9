from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from mdm.bounded_json import JSONTooDeep, json_depth_check


class BoundedJSONParser(JSONParser):
    """JSON bodies up to CONCORD_API_MAX_BODY_BYTES, nested at most CONCORD_API_MAX_JSON_DEPTH
    levels (mdm.bounded_json); larger ones are refused before parsing, deeper ones as they parse."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.CONCORD_API_MAX_BODY_BYTES
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > limit:
            raise ParseError(f"request body is {length} bytes; the limit is {limit}")
        depth = settings.CONCORD_API_MAX_JSON_DEPTH
        try:
            data = super().parse(stream, media_type, parser_context)
            json_depth_check(data, depth)
        except RecursionError:
            raise ParseError(f"JSON parse error - {JSONTooDeep(depth)}") from None
        except JSONTooDeep as error:
            raise ParseError(f"JSON parse error - {error}") from None
        return data
