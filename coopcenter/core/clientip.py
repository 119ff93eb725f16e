"""The client's address, as the rate limit and the access records see it: the one place that
decides it.

Behind `RATELIMIT_TRUSTED_PROXIES` proxies, each of which appends the address it received the
request from to `CLIENT_IP_HEADER` (X-Forwarded-For, as nginx's `$proxy_add_x_forwarded_for`
does), the client is the Nth address from the right: what the outermost trusted proxy saw.
Everything left of it was written by the client and can be anything, so it is never used.

A header that is missing, too short or not an address falls back to the connection's
address, with one warning per process (a proxy that stopped setting it would otherwise fill
the log with one line per request). The answer is always an address: django-ratelimit
refuses an empty key, and a key that raised would let the request through unlimited.
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

# Stands for a connection with no address at all (a Unix socket with no proxy header): every
# such request shares one allowance, which errs on the side of limiting.
UNKNOWN = "0.0.0.0"  # noqa: S104  (not a bind address)

_warned: set[str] = set()


def _warn_once(problem: str, detail: str) -> None:
    if problem in _warned:
        return
    _warned.add(problem)
    logger.warning(
        "Client address: %s (%s); using the connection's address. Check CLIENT_IP_HEADER "
        "and RATELIMIT_TRUSTED_PROXIES against the proxies in front of the site. "
        "(Said once per process.)",
        problem,
        detail,
    )


def _address(value: str) -> str | None:
    """The address in a header entry or REMOTE_ADDR, normalised; None if it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443", as some proxies write it
        value = value[1 : value.index("]")]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _connection_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR") or ""
    address = _address(remote)
    if address is None:
        _warn_once("REMOTE_ADDR is not an address", repr(remote[:60]))
        return UNKNOWN
    return address


def client_ip(request: HttpRequest) -> str:
    """The address the request came from, never empty (see the module's note)."""
    proxies = settings.RATELIMIT_TRUSTED_PROXIES
    if proxies <= 0:
        return _connection_address(request)
    header = settings.CLIENT_IP_HEADER
    raw = request.META.get(header, "")
    if not raw.strip():
        _warn_once(f"{header} is missing", "no such header in the request")
        return _connection_address(request)
    # Several headers of the same name reach the WSGI environ joined by commas.
    entries = [entry for entry in raw.split(",") if entry.strip()]
    if len(entries) < proxies:
        _warn_once(
            f"{header} is shorter than the trusted proxies",
            f"{len(entries)} address(es), {proxies} proxies",
        )
        return _connection_address(request)
    address = _address(entries[-proxies])
    if address is None:
        _warn_once(f"{header} holds something that is not an address", repr(raw[:60]))
        return _connection_address(request)
    return address
