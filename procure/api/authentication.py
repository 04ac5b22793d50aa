"""API keys: `Authorization: Token <key>`, looked up by the key's SHA-256.

Guessing keys is hopeless (256 random bits), but a script hammering the API with a wrong or
revoked key should still be told to stop: an address whose token authentications keep failing
gets 429 for a while (DRF's throttle, counted in the shared cache), whatever key it sends then.
"""

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from procure.accounts.models import ApiToken
from procure.accounts.services import token_hash
from procure.core.client import client_address

# Writing last_used_at on every request would turn each read into a write; a minute is precise
# enough to tell a dormant key from a live one.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenFailureThrottle(SimpleRateThrottle):
    """Failed token authentications per client address (rate: `token_failures`)."""

    scope = "token_failures"
    # Set by SimpleRateThrottle.__init__ from the rate ("10/min": 10 and 60 seconds).
    num_requests: int
    duration: int

    def get_cache_key(self, request: Any, view: Any) -> str:
        # DRF's own get_ident believes any X-Forwarded-For: a client could pick a new address
        # for every request and never be throttled.
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}

    def blocked(self, request: Request) -> bool:
        """True while the address has used up its failures; records nothing."""
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [at for at in self.cache.get(self.key, []) if at > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def record_failure(self, request: Request) -> None:
        if not self.blocked(request):
            self.throttle_success()


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        if not self._sends_a_token(request):
            return None
        throttle = TokenFailureThrottle()
        if throttle.blocked(request):
            raise exceptions.Throttled(
                throttle.wait(),
                detail="Too many requests with an invalid token from this address.",
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record_failure(request)
            raise

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def _sends_a_token(self, request: Request) -> bool:
        words = request.META.get("HTTP_AUTHORIZATION", "").split()
        return bool(words) and words[0].lower() == self.keyword.lower()
