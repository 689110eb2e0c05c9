"""Authentication backend: Django's model permissions, remembered for a short while per user.

API clients authenticate with a token on every request, so Django's per-request permission cache
never survives to the next request; role lookups were two queries of every lookup call. Here they
are cached for CONCORD_PERMISSION_CACHE_SECONDS (default 30): a role change takes effect within
that time."""

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication

PERMISSION_KINDS = ("user", "group")


def permission_cache_key(kind: str, user_id) -> str:
    return f"concord:perms:{kind}:{user_id}"


class CachedPermissionsBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super()._get_permissions(user_obj, obj, from_name)
        key = permission_cache_key(from_name, user_obj.pk)
        permissions = cache.get(key)
        if permissions is None:
            permissions = super()._get_permissions(user_obj, obj, from_name)
            cache.set(key, permissions, getattr(settings, "CONCORD_PERMISSION_CACHE_SECONDS", 30))
        return permissions


class CachedTokenAuthentication(TokenAuthentication):
    """DRF token authentication whose token → user lookup is cached for
    CONCORD_TOKEN_CACHE_SECONDS (default 30, like permissions above): the lookup API's hot path then
    runs no authentication query. A deleted token or deactivated user is refused within that
    time; 0 turns the cache off."""

    def authenticate_credentials(self, key):
        ttl = getattr(settings, "CONCORD_TOKEN_CACHE_SECONDS", 30)
        cache_key = "concord:token:" + hashlib.sha256(key.encode()).hexdigest()
        hit = cache.get(cache_key) if ttl else None
        if hit is not None:
            return hit
        user, token = super().authenticate_credentials(key)
        if ttl:
            cache.set(cache_key, (user, token), ttl)
        return user, token
