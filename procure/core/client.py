"""Who is on the other end of a request: the client's address, read in one place."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address; behind `TRUSTED_PROXY_COUNT` proxies, the one they saw.

    Only the addresses our own proxies appended to X-Forwarded-For are believed: anything to
    their left was written by the client and would let it pose as any address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote
