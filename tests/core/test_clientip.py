"""The client's address behind N trusted proxies, and the fallback that never opens the rate
limit: a missing, malformed or short header means the connection's address, said once."""

import logging

import pytest
from django.test import RequestFactory, override_settings

from coopcenter.core import clientip
from coopcenter.core.clientip import UNKNOWN, client_ip
from tests.consult.factories import post_committed
from tests.consult.test_views_intake import valid_data

XFF = "HTTP_X_FORWARDED_FOR"
PROXY = "10.0.0.2"  # the proxy in front of the site, as the connection shows it


@pytest.fixture(autouse=True)
def _fresh_warnings():
    clientip._warned.clear()
    yield
    clientip._warned.clear()


def request(remote=PROXY, **meta):
    return RequestFactory().get("/", REMOTE_ADDR=remote, **meta)


@override_settings(RATELIMIT_TRUSTED_PROXIES=0)
def test_without_proxies_the_header_is_ignored():
    assert client_ip(request("203.0.113.5", **{XFF: "198.51.100.1"})) == "203.0.113.5"


@pytest.mark.parametrize(
    ("proxies", "header", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        # What the client wrote itself stays on the left and is never believed.
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 192.0.2.9", "198.51.100.1"),
        (2, "198.51.100.1,192.0.2.9", "198.51.100.1"),
        (1, "2001:DB8::1", "2001:db8::1"),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, " 198.51.100.1 , ", "198.51.100.1"),
    ],
)
def test_the_nth_address_from_the_right(proxies, header, expected):
    with override_settings(RATELIMIT_TRUSTED_PROXIES=proxies):
        assert client_ip(request(**{XFF: header})) == expected


@override_settings(RATELIMIT_TRUSTED_PROXIES=1, CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_the_header_is_a_setting():
    assert client_ip(request(HTTP_X_REAL_IP="198.51.100.3", **{XFF: "6.6.6.6"})) == "198.51.100.3"


@pytest.mark.parametrize(
    ("proxies", "meta"),
    [
        (1, {}),  # missing
        (1, {XFF: ""}),
        (1, {XFF: "unknown"}),  # malformed
        (1, {XFF: "198.51.100.1, <script>"}),
        (1, {XFF: "999.1.1.1"}),
        (2, {XFF: "198.51.100.1"}),  # shorter than the proxies
    ],
)
def test_a_bad_header_falls_back_to_the_connection_and_warns_once(caplog, proxies, meta):
    with override_settings(RATELIMIT_TRUSTED_PROXIES=proxies), caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert client_ip(request(**meta)) == PROXY
    warnings = [r for r in caplog.records if r.name == "coopcenter.core.clientip"]
    assert len(warnings) == 1


@pytest.mark.parametrize("remote", ["", "not-an-ip"])
def test_never_an_empty_key(remote):
    assert client_ip(request(remote)) == UNKNOWN


@pytest.mark.django_db
@override_settings(RATELIMIT_TRUSTED_PROXIES=1, CONSULT_SUBMIT_RATE="2/h")
@pytest.mark.parametrize("header", [None, "garbage", "1.2.3.4.5"])
def test_a_bad_header_never_switches_the_rate_limit_off(client, header):
    extra = {} if header is None else {XFF: header}
    for _ in range(2):
        assert post_committed(client, "/consult/new/", valid_data(), **extra).status_code == 303
    assert post_committed(client, "/consult/new/", valid_data(), **extra).status_code == 429


@pytest.mark.django_db
@override_settings(RATELIMIT_TRUSTED_PROXIES=1, CONSULT_SUBMIT_RATE="1/h")
def test_behind_the_proxy_each_client_has_its_own_allowance(client):
    one, two = {XFF: "198.51.100.1"}, {XFF: "198.51.100.2"}
    assert post_committed(client, "/consult/new/", valid_data(), **one).status_code == 303
    assert post_committed(client, "/consult/new/", valid_data(), **one).status_code == 429
    assert post_committed(client, "/consult/new/", valid_data(), **two).status_code == 303
    # A client that writes its own header first changes nothing.
    spoofed = {XFF: "203.0.113.99, 198.51.100.1"}
    assert post_committed(client, "/consult/new/", valid_data(), **spoofed).status_code == 429


def test_compose_trusts_the_one_proxy_the_readme_puts_in_front():
    from pathlib import Path

    import yaml
    from django.conf import settings

    from tests.core.test_settings import ENV_PRODUCTION_EXAMPLE, env_file
    from tests.test_compose import environment

    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    # What compose hands over without .env.production, and what its example says.
    env = environment(compose["services"]["web"])
    assert env["RATELIMIT_TRUSTED_PROXIES"] == "1"
    assert env_file(ENV_PRODUCTION_EXAMPLE)["RATELIMIT_TRUSTED_PROXIES"] == "1"
    assert env["CLIENT_IP_HEADER"] == XFF
    with override_settings(RATELIMIT_TRUSTED_PROXIES=int(env["RATELIMIT_TRUSTED_PROXIES"])):
        assert client_ip(request(**{XFF: "6.6.6.6, 198.51.100.1"})) == "198.51.100.1"
