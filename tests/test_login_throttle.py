"""Login throttling: only failures count, per account and per client address, in shared storage.

The first tests run in-process on the memory storage, with a fake clock where time matters. The
last one (marked ``slow``) starts gunicorn with two workers on a real redis-server (started by
scripts/test.sh through scripts/with-redis.sh, which sets TEST_REDIS_URL) and fires concurrent
failed logins: the configured numbers hold exactly across both processes.
"""

import math
import os
import re
import threading
import uuid

import pytest
import requests
from limits import parse_many

from confapp import config as defaults
from tests.conftest import PASSWORD
from tests.serverproc import ServerProcess, free_port

COLLEAGUE = "colleague@example.org"


def with_cheap_password_hashes(make_user, session):
    """The conftest user factory, with a cheap password hash: these tests log in dozens of times."""
    from werkzeug.security import generate_password_hash

    def make(*args, **kwargs):
        user = make_user(*args, **kwargs)
        user.password_hash = generate_password_hash(kwargs.get("password", PASSWORD),
                                                    method="pbkdf2:sha256:1000")
        session.commit()
        return user

    return make


@pytest.fixture
def make_user(make_user, session):
    return with_cheap_password_hashes(make_user, session)


def attempt(client, email="organiser@example.org", password="wrong-password", address="10.0.0.1"):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def codes(responses) -> list[int]:
    return [r.status_code for r in responses]


class FakeClock:
    def __init__(self, monkeypatch):
        import limits.storage.memory

        from confapp.blueprints.auth import throttle

        self.now = 1_900_000_000.0
        monkeypatch.setattr(limits.storage.memory, "time", self)
        monkeypatch.setattr(throttle, "time", self)

    def time(self) -> float:
        return self.now


def test_successful_logins_do_not_count(client, make_user):
    make_user()
    for _ in range(15):
        response = attempt(client, password=PASSWORD)
        assert response.status_code == 302
        client.post("/auth/logout")
    assert codes(attempt(client) for _ in range(11)) == [200] * 10 + [429]


def test_colleague_at_the_same_address_gets_in(client, make_user):
    make_user()
    make_user(email=COLLEAGUE)
    assert codes(attempt(client) for _ in range(11)) == [200] * 10 + [429]
    response = attempt(client, email=COLLEAGUE, password=PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/organiser/"
    client.post("/auth/logout")
    # The throttled account itself is still tried from another address.
    assert attempt(client, address="10.0.0.2").status_code == 200


def test_one_address_trying_many_accounts_is_limited(client, app):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "5 per minute"
    results = [attempt(client, email=f"user{n}@example.org") for n in range(7)]
    assert codes(results) == [200] * 5 + [429] * 2
    assert attempt(client, email="user0@example.org", address="10.9.9.9").status_code == 200


def test_account_under_attack_gets_a_short_growing_delay(client, app, make_user, monkeypatch):
    """Failures from many addresses: 1 minute, then 10, then an hour; never a permanent lock."""
    make_user()
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "3 per minute;5 per 10 minutes;7 per hour"
    clock = FakeClock(monkeypatch)
    addresses = (f"10.1.{n // 250}.{n % 250}" for n in range(1000))
    client.post("/language", data={"lang": "en"})

    def wait_after(evaluated: int) -> int:
        assert codes(attempt(client, address=next(addresses)) for _ in range(evaluated)) == (
            [200] * evaluated)
        refused = attempt(client, address=next(addresses))
        assert refused.status_code == 429
        # The password is not even looked at while the account waits.
        assert attempt(client, password=PASSWORD, address=next(addresses)).status_code == 429
        return int(refused.headers["Retry-After"])

    first = wait_after(3)
    assert 0 < first <= 60
    clock.now += 61
    second = wait_after(2)
    assert 60 < second <= 600
    clock.now += second + 1
    third = wait_after(2)
    assert 600 < third <= 3600
    assert f"Please wait {math.ceil(third / 60)} minutes and try again." in attempt(client).text

    clock.now += third + 1
    response = attempt(client, password=PASSWORD, address=next(addresses))
    assert response.status_code == 302


def test_refused_attempts_do_not_lengthen_the_accounts_delay(client, app, make_user):
    make_user()
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "15 per minute"
    assert codes(attempt(client) for _ in range(40)) == [200] * 10 + [429] * 30
    # Only the 10 evaluated failures count for the account: 5 more from elsewhere.
    assert codes(attempt(client, address="10.0.0.2") for _ in range(6)) == [200] * 5 + [429]


def test_too_many_attempts_page_says_to_wait(client, make_user):
    make_user()
    for _ in range(10):
        attempt(client)
    response = attempt(client)
    assert response.status_code == 429
    assert "For mange forespørgsler" in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 60
    client.post("/language", data={"lang": "en"})
    response = attempt(client)
    assert "Too many failed logins. Please wait 1 minute and try again." in response.text


@pytest.mark.parametrize("app_config", [{"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}"}])
def test_unreachable_counters_refuse_logins_with_a_page_not_a_500(client, make_user):
    # Nothing listens on that port: the storage is down. Logins wait rather than go uncounted.
    make_user()
    response = attempt(client, password=PASSWORD)
    assert response.status_code == 503 and "Midlertidigt utilgængelig" in response.text


# --- two gunicorn workers, one redis-server -------------------------------------------------

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
TIMEOUT = 60


def first_tier(limits: str) -> int:
    return parse_many(limits)[0].amount


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail("TEST_REDIS_URL is not set: run this test through scripts/test.sh, or "
                    "scripts/with-redis.sh .venv/bin/pytest tests/test_login_throttle.py")
    return url


@pytest.fixture
def throttled_server(database_url, redis_url):
    """gunicorn, 2 workers, rate limits on, counting in Redis, client addresses from the proxy."""
    port = free_port()
    prefix = f"test-{uuid.uuid4().hex}"
    env = {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "FLASK_RATELIMIT_ENABLED": "true",
        "FLASK_RATELIMIT_STORAGE_URI": redis_url,
        "FLASK_RATELIMIT_KEY_PREFIX": prefix,
        "FLASK_PROXY_FIX_X_FOR": "1",  # so that one test can come from many addresses
    }
    with ServerProcess(env, workers=2, threads=8, port=port) as server:
        server.key_prefix = prefix
        yield server


def concurrent_logins(server, logins: list[dict]) -> list:
    """Every client loads the form (own session and CSRF token), then all post at once."""
    url = f"{server.url}/auth/login"
    barrier = threading.Barrier(len(logins))
    results: list = [None] * len(logins)

    def one(index: int, login: dict) -> None:
        headers = {"X-Forwarded-For": login.pop("address")}
        try:
            with requests.Session() as http:
                token = CSRF_INPUT.search(http.get(url, timeout=TIMEOUT).text).group(1)
                barrier.wait(TIMEOUT)
                results[index] = http.post(url, data={**login, "csrf_token": token},
                                           headers=headers, allow_redirects=False,
                                           timeout=TIMEOUT)
        except Exception as error:  # noqa: BLE001 - reported by the caller
            barrier.abort()
            results[index] = error

    threads = [threading.Thread(target=one, args=(i, dict(login)))
               for i, login in enumerate(logins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    errors = [r for r in results if isinstance(r, Exception) or r.status_code >= 500]
    assert not errors, f"{errors[:3]}\n{server.log_tail()}"
    return results


def evaluated(results) -> int:
    """Attempts whose password was checked: the form came back with 'wrong e-mail or password'."""
    assert all(r.status_code in (200, 429) for r in results), codes(results)
    return sum(r.status_code == 200 for r in results)


@pytest.mark.slow
def test_configured_limits_hold_across_two_workers(throttled_server, make_user, redis_url):
    make_user()
    make_user(email=COLLEAGUE)
    office = "192.0.2.10"

    # 30 failures at one account from one address: exactly LOGIN_RATE_LIMIT are evaluated.
    results = concurrent_logins(throttled_server, [
        {"email": "organiser@example.org", "password": f"guess-{n}", "address": office}
        for n in range(30)])
    assert evaluated(results) == first_tier(defaults.LOGIN_RATE_LIMIT)

    # A colleague at the same office, with the right password, gets in at once.
    (colleague,) = concurrent_logins(throttled_server, [
        {"email": COLLEAGUE, "password": PASSWORD, "address": office}])
    assert colleague.status_code == 302 and colleague.headers["Location"].endswith("/organiser/")

    # 30 failures at another account from 30 addresses: exactly LOGIN_ACCOUNT_RATE_LIMIT.
    results = concurrent_logins(throttled_server, [
        {"email": "target@example.org", "password": f"guess-{n}", "address": f"198.51.100.{n}"}
        for n in range(30)])
    assert evaluated(results) == first_tier(defaults.LOGIN_ACCOUNT_RATE_LIMIT)

    # 40 accounts tried from one address: exactly LOGIN_ADDRESS_RATE_LIMIT.
    results = concurrent_logins(throttled_server, [
        {"email": f"staff{n}@example.org", "password": "Sommer2027!", "address": "203.0.113.7"}
        for n in range(40)])
    assert evaluated(results) == first_tier(defaults.LOGIN_ADDRESS_RATE_LIMIT)

    # The counters live in Redis, shared by both workers.
    import redis

    with redis.Redis.from_url(redis_url) as store:
        assert any(store.scan_iter(match=f"*{throttled_server.key_prefix}*login-account*"))
