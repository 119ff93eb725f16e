"""The secret parts of a queued mail (working links with their tokens), sealed at rest.

A mail row waits in the database until a worker delivers it, and the admin and backups can
read that table. The links it will carry must not work for anyone who reads the row, so
they are kept encrypted (Fernet: AES-128-CBC with an HMAC-SHA256, from `cryptography`)
with keys that live in the environment, never in the database, and are dropped once the
mail is sent.

OUTBOX_ENCRYPTION_KEYS is a comma-separated list of Fernet keys; the first seals, all of
them open (MultiFernet), so a key is rotated by putting a new one first, running
`manage.py outbox_reseal`, and removing the old one later. Without the setting (a laptop,
the tests) one key is derived from SECRET_KEY; production settings refuse to start
without their own keys, so that a leaked SECRET_KEY does not also open the mails and the
two can be rotated apart.
"""

import base64
import functools
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["InvalidToken", "SealError", "open_sealed", "reseal", "seal"]


class SealError(Exception):
    """The sealed part cannot be opened: sealed with a key this server no longer has."""


def _derived_key(secret: str) -> bytes:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"coopcenter.outbox.sealing"
    ).derive(secret.encode())
    return base64.urlsafe_b64encode(derived)


@functools.cache
def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.OUTBOX_ENCRYPTION_KEYS if key.strip()]
    if not keys:
        keys = [_derived_key(settings.SECRET_KEY).decode()]
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "OUTBOX_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes); `manage.py outbox_new_key` prints one."
        ) from error


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs) -> None:
    if setting in {"OUTBOX_ENCRYPTION_KEYS", "SECRET_KEY"}:
        _fernet.cache_clear()


def seal(values: dict[str, Any]) -> str:
    """The values as one opaque text, or "" when there is nothing to hide."""
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, separators=(",", ":")).encode()).decode()


def open_sealed(sealed: str) -> dict[str, Any]:
    if not sealed:
        return {}
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except InvalidToken as error:
        raise SealError(
            "the mail's links were sealed with a key that is not in OUTBOX_ENCRYPTION_KEYS"
        ) from error


def reseal(sealed: str) -> str:
    """The same values sealed with the first key (rotation)."""
    if not sealed:
        return ""
    try:
        return _fernet().rotate(sealed.encode()).decode()
    except InvalidToken as error:
        raise SealError("sealed with a key that is not in OUTBOX_ENCRYPTION_KEYS") from error
