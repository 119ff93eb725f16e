import socket
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import override_settings

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthy_without_redis_configured(client):
    with override_settings(REDIS_URL=""):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "disabled"}}
    assert "no-cache" in response["Cache-Control"]


def test_configured_redis_that_does_not_answer_is_a_503(client):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "down"
    assert response.json()["status"] == "down"


def test_database_that_does_not_answer_is_a_503(client):
    with (
        override_settings(REDIS_URL=""),
        mock.patch(
            "django.db.backends.utils.CursorWrapper.execute",
            side_effect=OperationalError("connection refused"),
        ),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down"


def test_healthz_changes_nothing_on_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.services("postgres", "redis")
def test_real_services_answer(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
