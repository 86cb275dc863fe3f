"""Signing in: sessions kept as hashes, idle expiry, CSRF on every form, rate limits, TOTP."""

from __future__ import annotations

import hashlib
import html
import re
from itertools import pairwise
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from server.rate_limits import (
    SIGN_IN_DELAY_CAP,
    SIGN_IN_DELAY_STEP,
    SIGN_IN_PER_ACCOUNT,
    SIGN_IN_PER_ACCOUNT_AT_ADDRESS,
    SIGN_IN_PER_ADDRESS,
)
from server.routes import routes
from server.settings import Settings
from server.therapist.passwords import password_problem
from server.therapist.sessions import COOKIE
from server.therapist.tables import sessions, sets
from server.therapist.web import CSRF_COOKIE
from tests.conftest import isolated_settings
from tests.test_therapist_audit import entries
from tests.therapist import (
    PASSWORD,
    Person,
    any_database,
    count,
    create_set,
    make_therapist,
    open_client,
    set_form,
    share,
    side_of,
)

__all__ = ["any_database"]

__all__ = ["any_database"]

WRONG = "The email address or password is not right."


def sign_in(person: Person, email: str, password: str = PASSWORD, locale: str = "en"):  # type: ignore[no-untyped-def]
    return person.post(f"/t/{locale}/", {"email": email, "password": password})


def test_signing_in_makes_a_session_kept_only_as_a_hash(client: TestClient) -> None:
    make_therapist(client, "a@example.org", signed_in=False)
    person = Person(client)
    response = sign_in(person, "A@Example.org ")
    assert response.status_code == 303 and response.headers["location"] == "/t/en/sets"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/t" in cookie
    value = person.cookies[COOKIE]
    with side_of(client).engine.connect() as connection:
        stored = connection.execute(select(sessions)).one()
    assert stored.id_hash == hashlib.sha256(value.encode()).hexdigest()
    assert value not in str(tuple(stored))
    page = person.get("/t/en/sets")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"


def test_the_cookie_is_secure_behind_https(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "data")
    with TestClient(
        open_client(settings).app, base_url="https://houvast.example.org", follow_redirects=False
    ) as client:
        make_therapist(client, "a@example.org", signed_in=False)
        response = sign_in(Person(client), "a@example.org")
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client: TestClient) -> None:
    make_therapist(client, "a@example.org", signed_in=False)
    wrong = sign_in(Person(client), "a@example.org", "not the password")
    unknown = sign_in(Person(client), "nobody@example.org")
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG in wrong.text and WRONG in unknown.text

    def page(response, email: str) -> str:  # type: ignore[no-untyped-def]
        without_token = re.sub(r'name="csrf" value="[^"]+"', "", response.text)
        return without_token.replace(email, "X")

    assert page(wrong, "a@example.org") == page(unknown, "nobody@example.org")
    assert COOKIE not in wrong.headers.get("set-cookie", "")


def test_sign_in_rests_after_five_wrong_for_one_account_at_one_address(
    client: TestClient,
) -> None:
    make_therapist(client, "a@example.org", signed_in=False)
    make_therapist(client, "b@example.org", signed_in=False)
    side_of(client).set_pause(_no_pause)
    guesser = Person(client, "10.0.0.1")
    for _ in range(5):
        assert sign_in(guesser, "a@example.org", "wrong!").status_code == 400
    # The right password from the same address: the pair is resting.
    blocked = sign_in(guesser, "a@example.org")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many attempts to sign in. Please wait 15 minutes" in blocked.text
    assert sign_in(guesser, "b@example.org").status_code == 303, (
        "another account from the same address is not blocked"
    )
    assert sign_in(Person(client, "10.0.0.2"), "a@example.org").status_code == 303, (
        "nor the same account from another address"
    )


async def _no_pause(seconds: float) -> None:
    """Stands in for asyncio.sleep: the delays are tested on their own, not waited out."""


@pytest.fixture
def quick_passwords(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """a@example.org with PASSWORD under a cheap hash, unknown addresses checked against a
    cheap stand-in and no delays: a hundred wrong attempts need not take minutes here."""
    from argon2 import PasswordHasher

    import server.therapist.passwords as passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    stand_in = cheap.hash("stand-in")
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: stand_in)
    make_therapist(client, "a@example.org", signed_in=False)
    side = side_of(client)
    account = side.accounts.by_email("a@example.org")
    assert account is not None
    side.accounts.store_hash(account.id, cheap.hash(PASSWORD))
    side.set_pause(_no_pause)


@pytest.mark.usefixtures("quick_passwords")
def test_wrong_passwords_elsewhere_do_not_lock_the_owner_out(client: TestClient) -> None:
    for attacker in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        for _ in range(5):
            assert sign_in(Person(client, attacker), "a@example.org", "x").status_code == 400
        assert sign_in(Person(client, attacker), "a@example.org", "x").status_code == 429
    assert sign_in(Person(client, "10.0.0.1"), "a@example.org").status_code == 303


@pytest.mark.usefixtures("quick_passwords")
def test_a_guess_spread_over_many_addresses_meets_the_account_ceiling(
    client: TestClient,
) -> None:
    ceiling = SIGN_IN_PER_ACCOUNT.amount
    per_pair = SIGN_IN_PER_ACCOUNT_AT_ADDRESS.amount
    assert ceiling % per_pair == 0 and ceiling > SIGN_IN_PER_ADDRESS.amount
    for n in range(ceiling // per_pair):
        attacker = Person(client, f"198.51.100.{n}")
        for _ in range(per_pair):
            assert sign_in(attacker, "a@example.org", "x").status_code == 400
    # The right password from an address never seen: the account rests for the hour.
    blocked = sign_in(Person(client, "10.0.0.1"), "a@example.org")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 15 * 60
    assert "Too many attempts to sign in. Please wait 60 minutes" in blocked.text
    assert sign_in(Person(client, "10.0.0.1"), "b@example.org", "x").status_code == 400, (
        "other accounts are not held back"
    )


@pytest.mark.usefixtures("quick_passwords")
def test_each_wrong_answer_for_an_account_is_held_back_longer(client: TestClient) -> None:
    asked: list[float] = []

    async def pause(seconds: float) -> None:
        asked.append(seconds)

    side_of(client).set_pause(pause)
    for n in range(12):
        # From three addresses in turn: the delay follows the account, wherever the guess is.
        assert sign_in(Person(client, f"10.0.0.{n % 3}"), "a@example.org", "x").status_code == 400
    steps = [min(SIGN_IN_DELAY_CAP, SIGN_IN_DELAY_STEP * n) for n in range(12)]
    assert asked == steps and asked[0] == 0 and asked[-1] == SIGN_IN_DELAY_CAP <= 5
    assert all(later > earlier for earlier, later in pairwise(asked[:9])), "up to the cap"
    asked.clear()
    assert sign_in(Person(client, "10.0.0.1"), "b@example.org", "x").status_code == 400
    assert asked == [0], "another account's first wrong answer is not held back"
    assert sign_in(Person(client, "10.0.0.5"), "a@example.org").status_code == 303
    assert asked == [0], "nor is a right one"


@pytest.fixture
def quick_unknown_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown address is checked against a stand-in hash so it takes as long as a real
    check; twenty of them need not take twenty real ones here."""
    from argon2 import PasswordHasher

    import server.therapist.passwords as passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    stand_in = cheap.hash("stand-in")
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: stand_in)


@pytest.mark.usefixtures("quick_unknown_addresses")
def test_sign_in_is_limited_per_address_with_no_hint_of_accounts(client: TestClient) -> None:
    make_therapist(client, "a@example.org", signed_in=False)
    person = Person(client, "192.0.2.7")
    for n in range(20):
        assert sign_in(person, f"guess{n}@example.org").status_code == 400
    known = sign_in(person, "a@example.org")
    unknown = sign_in(person, "someone@example.org")
    assert known.status_code == unknown.status_code == 429
    message = re.compile(r'id="sign-in-error">([^<]+)<')
    assert message.findall(known.text) == message.findall(unknown.text)
    assert sign_in(Person(client, "192.0.2.8"), "a@example.org").status_code == 303


def test_a_session_ends_after_the_idle_timeout(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    side = side_of(client)
    start = side.now()
    side.set_clock(lambda: start + 29 * 60)
    assert person.get("/t/en/sets").status_code == 200
    # That request counted as activity: 29 minutes after it, still signed in.
    side.set_clock(lambda: start + 58 * 60)
    assert person.get("/t/nl/sets").status_code == 200
    side.set_clock(lambda: start + 58 * 60 + 30 * 60 + 1)
    ended = person.get("/t/nl/sets")
    assert ended.status_code == 303 and ended.headers["location"] == "/t/nl/?ended=idle"
    notice = person.get(ended.headers["location"]).text
    assert "Je bent afgemeld omdat de pagina een tijdje niet is gebruikt." in notice
    assert person.get("/t/nl/sets").status_code == 303, "the session is gone for good"
    with side.engine.connect() as connection:
        assert connection.execute(select(sessions)).all() == []


def test_signing_out_ends_the_session(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    old = person.cookies[COOKIE]
    response = person.post("/t/en/sign-out")
    assert response.status_code == 303 and response.headers["location"] == "/t/en/?ended=out"
    again = Person(client)
    again.cookies.set(COOKIE, old, path="/t")
    assert again.get("/t/en/sets").status_code == 303


def _post_routes() -> list[str]:
    """Every path under /t that takes a POST, with made-up parameters."""
    found = []
    mount = next(r for r in routes if isinstance(r, Mount) and r.path == "/t")
    for locale_mount in (r for r in mount.routes if isinstance(r, Mount)):
        for route in locale_mount.routes:
            if isinstance(route, Route) and route.methods and "POST" in route.methods:
                found.append("/t/en" + route.path)
    return found


def test_every_form_refuses_a_post_without_its_csrf_token(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    share(person, set_id)
    share_id = side_of(client).shares.for_set(side_of(client).sets.list(1)[0].id)[0].public_id
    paths = [
        path.replace("{set_id}", set_id).replace("{share_id}", share_id) for path in _post_routes()
    ]
    assert len(paths) >= 10, paths
    for path in paths:
        for token in (None, "", "made-up"):
            data = set_form(title="Changed") | ({} if token is None else {"csrf": token})
            response = person.request("POST", path, data=data)
            assert response.status_code == 403, path
            assert response.headers["cache-control"] == "no-store"
    # Nothing changed: the set, its share and the session are as they were.
    assert person.get("/t/en/sets").status_code == 200
    found = side_of(client).sets.get(1, set_id)
    assert found is not None and found.data.title == "Evenings" and found.version == 1
    assert not side_of(client).shares.for_set(found.id)[0].revoked_at
    with side_of(client).engine.connect() as connection:
        assert len(connection.execute(select(sets)).all()) == 1


def test_the_sign_in_form_needs_the_token_of_its_own_cookie(client: TestClient) -> None:
    make_therapist(client, "a@example.org", signed_in=False)
    person = Person(client)
    token = person.csrf()
    stranger = Person(client)
    forged = stranger.post(
        "/t/en/", {"csrf": token, "email": "a@example.org", "password": PASSWORD}
    )
    assert forged.status_code == 403, "a token without its cookie is refused (login CSRF)"
    assert sign_in(person, "a@example.org").status_code == 303


def _turn_on_totp(person: Person, client: TestClient) -> str:
    start = person.post("/t/en/account", {"action": "start"})
    assert start.status_code == 200 and 'class="qr"' in start.text
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', start.text)
    assert found
    secret = found.group(1).replace(" ", "")
    uri = re.search(r"otpauth://[^\"<]+", start.text)
    assert uri is None or "secret" in uri.group(0)
    wrong = person.post("/t/en/account", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400
    now = side_of(client).now()
    code = pyotp.TOTP(secret).at(now)
    done = person.post("/t/en/account", {"action": "confirm", "code": code})
    assert done.status_code == 303
    return secret


def test_turning_two_step_on_says_it_once(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    _turn_on_totp(person, client)
    for locale, said in (("en", "Two-step sign-in is on"), ("nl", "in twee stappen staat aan")):
        page = person.get(f"/t/{locale}/account?done=on").text
        assert page.count(said) == 1, locale
        assert 'class="notice" role="status"' in page
    # Later visits say how it is, without the notice.
    page = person.get("/t/en/account").text
    assert page.count("Two-step sign-in is on") == 1 and 'role="status"' not in page


def test_with_totp_on_a_password_alone_opens_nothing(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    secret = _turn_on_totp(person, client)
    side = side_of(client)
    later = side.now() + 60
    side.set_clock(lambda: later)
    other = Person(client)
    response = sign_in(other, "a@example.org")
    assert response.headers["location"] == "/t/en/code"
    assert other.get("/t/en/sets").headers["location"] == "/t/en/code"
    assert other.post("/t/en/code", {"code": "123456"}).status_code == 400
    code = pyotp.TOTP(secret).at(later)
    assert other.post("/t/en/code", {"code": code}).headers["location"] == "/t/en/sets"
    assert other.get("/t/en/sets").status_code == 200
    # The same code cannot be used twice, by someone who saw it over a shoulder.
    third = Person(client)
    sign_in(third, "a@example.org")
    again = third.post("/t/en/code", {"code": code})
    assert again.status_code == 400 and "That code was just used to sign in." in again.text
    assert third.get("/t/en/sets").headers["location"] == "/t/en/code"


def test_a_code_used_already_says_so_and_is_not_counted_as_a_guess(client: TestClient) -> None:
    """The therapist types the same code in a second browser: not "wrong", but "wait for the
    next one"; and not counted toward the lockout, since it is no guess (only the code already
    accepted gets this answer); a wrong code still is."""
    person = make_therapist(client, "a@example.org")
    secret = _turn_on_totp(person, client)
    side = side_of(client)
    side.set_pause(_no_pause)
    later = side.now() + 60
    side.set_clock(lambda: later)
    first, second = Person(client), Person(client)
    sign_in(first, "a@example.org")
    code = pyotp.TOTP(secret).at(later)
    assert first.post("/t/en/code", {"code": code}).headers["location"] == "/t/en/sets"
    sign_in(second, "a@example.org")
    for _ in range(SIGN_IN_PER_ACCOUNT_AT_ADDRESS.amount + 2):
        again = second.post("/t/nl/code", {"code": code})
        assert again.status_code == 400
        assert "Die code is net gebruikt om je aan te melden." in again.text
        assert "klopt niet" not in again.text
    # Each try is in the audit trail, with the account: a stolen code raced leaves a trace.
    tries = [row for row in entries(client) if row["event"] == "sign_in.used_code"]
    assert len(tries) == SIGN_IN_PER_ACCOUNT_AT_ADDRESS.amount + 2
    assert {row["email"] for row in tries} == {"a@example.org"}
    # The next code signs in: nothing was counted against the account.
    side.set_clock(lambda: later + 30)
    following = pyotp.TOTP(secret).at(later + 30)
    assert second.post("/t/en/code", {"code": following}).headers["location"] == "/t/en/sets"
    wrong = Person(client)
    sign_in(wrong, "a@example.org")
    assert "That code is not right." in wrong.post("/t/en/code", {"code": "000000"}).text


def test_totp_is_required_for_everyone_when_the_setting_says_so(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "data", require_2fa=True)
    with open_client(settings) as client:
        person = make_therapist(client, "a@example.org")
        for path in ("/t/en/sets", "/t/en/sets/new"):
            assert person.get(path).headers["location"] == "/t/en/account"
        page = person.get("/t/en/account").text
        assert "required on this server" in page
        secret = _turn_on_totp(person, client)
        assert person.get("/t/en/sets").status_code == 200
        later = side_of(client).now() + 30
        code = pyotp.TOTP(secret).at(later)
        side_of(client).set_clock(lambda: later)
        stop = person.post("/t/en/account", {"action": "stop", "code": code})
        assert "Turn off two-step sign-in" not in stop.text
        account = side_of(client).accounts.by_email("a@example.org")
        assert account is not None and account.has_totp, "it cannot be turned off"


@pytest.mark.parametrize("path", ["/t/nl/", "/t/en/password", "/t/nl/sets", "/t/en/no-such-page"])
def test_therapist_pages_are_never_stored(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 303, 404)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"] == "noindex"


def test_an_address_with_an_invisible_character_is_refused_clearly(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        make_therapist(client, "a@example.org", signed_in=False)
        for email, message in (
            ("x\x00@y.nl", "onzichtbaar teken dat hier niet kan"),
            ("a@example.org\x85", "onzichtbaar teken dat hier niet kan"),
            ("\u202ea@example.org", "teken dat de richting van de tekst verandert"),
        ):
            response = sign_in(Person(client), email, locale="nl")
            assert response.status_code == 400, email
            assert message in response.text
            assert html.escape(email) in response.text
            assert COOKIE not in response.headers.get("set-cookie", "")
        assert count(client, sessions) == 0


def test_turning_two_step_off_takes_the_password_and_a_code_and_is_limited(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        secret = _turn_on_totp(person, client)
        side = side_of(client)
        side.set_pause(_no_pause)
        later = side.now() + 60
        side.set_clock(lambda: later)
        code = pyotp.TOTP(secret).at(later)

        def still_on() -> bool:
            account = side.accounts.by_email("a@example.org")
            return account is not None and account.has_totp

        # Whoever holds the session alone has the code perhaps, not the password.
        alone = person.post("/t/en/account", {"action": "stop", "code": code})
        assert alone.status_code == 400 and "The password or the code is not right." in alone.text
        wrong_code = {"action": "stop", "password": PASSWORD, "code": "000000"}
        for _ in range(4):
            assert person.post("/t/en/account", wrong_code).status_code == 400
        right = {"action": "stop", "password": PASSWORD, "code": code}
        resting = person.post("/t/en/account", right)
        assert resting.status_code == 429 and int(resting.headers["retry-after"]) > 0
        assert "Too many attempts. Please wait 15 minutes" in resting.text
        assert still_on()
        side.throttle.reset()
        assert person.post("/t/en/account", right).headers["location"] == "/t/en/account?done=off"
        assert not still_on()


def test_cookies_are_secure_when_the_public_address_is_https(tmp_path: Path) -> None:
    """Behind a proxy that does not say X-Forwarded-Proto the request looks like http."""
    public = isolated_settings(tmp_path / "data", public_url="https://houvast.example.org")
    for settings, secure in ((public, True), (isolated_settings(tmp_path / "plain"), False)):
        with open_client(settings) as client:
            make_therapist(client, "a@example.org", signed_in=False)
            form = client.get("/t/en/")
            assert ("Secure" in form.headers["set-cookie"]) is secure
            token = form.cookies[CSRF_COOKIE]
            # A browser would send the cookie back over https; this client over http will not.
            client.cookies.clear()
            signed_in = client.post(
                "/t/en/",
                data={"csrf": token, "email": "a@example.org", "password": PASSWORD},
                headers={"Cookie": f"{CSRF_COOKIE}={token}"},
            )
            assert signed_in.status_code == 303
            assert ("Secure" in signed_in.headers["set-cookie"]) is secure
            switched = client.get("/lang/en/about")
            assert ("Secure" in switched.headers["set-cookie"]) is secure


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("wachtwoord1234", "common"),
        # A common password with other digits or signs at its end, or in other case.
        ("wachtwoord12345", "common"),
        ("Wachtwoord2024!", "common"),
        ("PASSWORD!!!!!!", "common"),
        ("P@ssw0rd2024!!", "common"),
        ("qwertyuiop12345", "common"),
        ("12345678999999", "common"),
        # Strong ones stay welcome, a common word inside them or digits after them too.
        ("a calm river in the evening", None),
        ("Zomer-2024-Tulp!", None),
        ("wachtwoord is een slecht idee 7", None),
        ("83029485739201", None),
    ],
)
def test_a_common_password_with_another_ending_is_still_common(
    password: str, problem: str | None
) -> None:
    assert password_problem(password, password, "a@example.org") == problem
