"""Behind a reverse proxy: X-Forwarded-For names the client only when TRUSTED_PROXIES says so."""
import pytest

from tests.conftest import PASSWORD, sign_in

PROXY = "10.0.0.2"


def login(client, email, password, forwarded_for):
    """Sign in through the proxy, which says the request came from `forwarded_for`."""
    return sign_in(client, email, password, address=PROXY, headers={"X-Forwarded-For": forwarded_for})


def lock_from(app, address):
    stranger = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert b"Wrong e-mail or password" in login(stranger, "ada@example.com", "guess", address).data


def test_a_forged_forwarded_for_does_not_dodge_the_throttle_by_default(app, admin):
    for number in range(app.config["LOGIN_MAX_FAILURES"]):
        login(app.test_client(), "ada@example.com", "guess", f"203.0.113.{number}")
    refused = login(app.test_client(), "ada@example.com", "guess", "203.0.113.99")
    assert b"Too many failed sign-ins" in refused.data


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_a_strangers_lock_spares_the_owner(app, admin):
    lock_from(app, "203.0.113.7")
    assert b"Too many failed sign-ins" in login(app.test_client(), "ada@example.com", PASSWORD, "203.0.113.7").data
    assert login(app.test_client(), "ada@example.com", PASSWORD, "198.51.100.20").status_code == 302
