"""Authentication backend: Django's model permissions, remembered for a short while per user.

API clients authenticate with a token on every request, so Django's per-request permission cache
never survives to the next request; role lookups were two queries of every lookup call. Here they
are cached for CONCORD_PERMISSION_CACHE_SECONDS (default 30): a role change takes effect within
that time."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache


class CachedPermissionsBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super()._get_permissions(user_obj, obj, from_name)
        key = f"concord:perms:{from_name}:{user_obj.pk}"
        permissions = cache.get(key)
        if permissions is None:
            permissions = super()._get_permissions(user_obj, obj, from_name)
            cache.set(key, permissions, getattr(settings, "CONCORD_PERMISSION_CACHE_SECONDS", 30))
        return permissions
