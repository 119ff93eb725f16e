"""The client's address, as the rate limit and the access records see it."""

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address the request came from (the connection's, until a proxy is configured)."""
    return request.META.get("REMOTE_ADDR", "") or ""
