"""The reminders page against the real API: reminders kept on the device, notifications turned
on and off (the server's copy follows, and goes), the calendar where push is not possible, and
the service worker's push and notification-click handlers.

A real push subscription needs the browser vendor's push service, which headless Chromium
cannot reach (see ../shared/TESTING.md), so the page's ``pushManager.subscribe`` is replaced by
one that returns a subscription with a real P-256 key. Everything else is real: permissions, the
service worker, IndexedDB, the API and its database.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from icalendar import Calendar
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from server.app import create_app
from server.db import devices, make_engine
from tests.browser.conftest import PHONE
from tests.browser.test_offline import IPHONE, controlled
from tests.conftest import isolated_settings
from tests.live_server import LiveServer

AXE = Axe()
WAIT_SECONDS = 20
ZONE = "Europe/Amsterdam"
TEXTS = {
    "en": {
        "time": "Time",
        "exercise": "Exercise to open",
        "add": "Add reminder",
        "save": "Save changes",
        "change": "Change",
        "delete": "Delete",
        "empty": "No reminders yet.",
        "no_day": "Choose at least one day.",
        "no_time": "Choose a time.",
        "not_saved": "Nothing was saved. Please correct the marked fields.",
        "added": "Reminder added.",
        "changed": "Reminder changed.",
        "deleted": "Reminder deleted.",
        "edit_heading": "Change reminder",
        "days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "mon_wed": "Monday and Wednesday at 8:30 AM",
        "every_day": "Every day at 9:00 PM",
        "mon_fri": "Monday and Friday at 7:45 AM",
        "grounding": "Here and now",
        "four_s": "The four S's: safe, seen, soothed, secure",
    },
    "nl": {
        "time": "Tijd",
        "exercise": "Oefening om te openen",
        "add": "Herinnering toevoegen",
        "save": "Wijzigingen bewaren",
        "change": "Wijzigen",
        "delete": "Verwijderen",
        "empty": "Nog geen herinneringen.",
        "no_day": "Kies minstens één dag.",
        "no_time": "Kies een tijd.",
        "not_saved": "Er is niets opgeslagen. Pas de gemarkeerde velden aan.",
        "added": "Herinnering toegevoegd.",
        "changed": "Herinnering gewijzigd.",
        "deleted": "Herinnering verwijderd.",
        "edit_heading": "Herinnering wijzigen",
        "days": ["Maandag", "Dinsdag", "Woensdag", "Donderdag", "Vrijdag", "Zaterdag", "Zondag"],
        "mon_wed": "Maandag en woensdag om 08:30",
        "every_day": "Elke dag om 21:00",
        "mon_fri": "Maandag en vrijdag om 07:45",
        "grounding": "Hier en nu",
        "four_s": "Veilig, gezien, getroost, geborgen",
    },
}

# The registration pwa/js/online/reminders.js keeps for itself and the service worker.
READ_DEVICE = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('houvast-device', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('device');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const get = open.result.transaction('device').objectStore('device').get('current');
        get.onsuccess = () => { open.result.close(); resolve(get.result ?? null); };
        get.onerror = () => reject(get.error);
    };
})"""

# Stands in for the browser's push service: `subscribe` answers at once with a subscription
# whose keys are real, and remembers the VAPID key it was given.
FAKE_PUSH = """(() => {
    const given = %s;
    const subscription = {
        endpoint: given.endpoint,
        expirationTime: null,
        options: { userVisibleOnly: true, applicationServerKey: null },
        toJSON() { return { endpoint: given.endpoint, expirationTime: null, keys: given.keys }; },
        getKey() { return null; },
        async unsubscribe() { localStorage.removeItem('test.subscribed'); return true; },
    };
    const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
        .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    PushManager.prototype.subscribe = async function (options) {
        subscription.options = options;
        localStorage.setItem('test.subscribed', base64url(options.applicationServerKey));
        return subscription;
    };
    PushManager.prototype.getSubscription = async function () {
        return localStorage.getItem('test.subscribed') ? subscription : null;
    };
})();"""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription() -> dict[str, Any]:
    """What a browser's subscription holds: an endpoint on a push service the server allows,
    the browser's P-256 public key (65 bytes, uncompressed) and a 16-byte auth secret."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/test-{secrets.token_urlsafe(16)}",
        "keys": {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))},
    }


def eventually(check: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS) -> Any:
    """Poll until `check` returns something truthy; fail (never hang) after a while."""
    deadline = time.monotonic() + seconds
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {value!r})")


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def schedule_of(ics: bytes) -> list[tuple[str, str, str, str]]:
    """Each event as (weekdays, local time, time zone, title), sorted."""
    return sorted(
        (
            ",".join(event["rrule"]["BYDAY"]),
            event.decoded("dtstart").strftime("%H:%M"),
            event["dtstart"].params["TZID"],
            str(event["summary"]),
        )
        for event in Calendar.from_ical(ics).events
    )


def server_schedule(origin: str, device: dict[str, Any]) -> list[tuple[str, str, str, str]] | None:
    """The reminders the server keeps for a device, read from its calendar feed."""
    status, body = http("GET", origin + device["calendar"])
    if status == 404:
        return None
    assert status == 200, body
    return schedule_of(body)


def follows(origin: str, page: Page, expected: list[tuple[str, str, str, str]] | None) -> None:
    device = page.evaluate(READ_DEVICE)
    eventually(
        lambda: server_schedule(origin, device) == expected, f"the server to have {expected}"
    )


def add(page: Page, locale: str, days: list[int], at: str, exercise: str | None = None) -> None:
    texts = TEXTS[locale]
    for day in days:
        page.get_by_label(texts["days"][day - 1], exact=True).check()
    page.get_by_label(texts["time"], exact=True).fill(at)
    if exercise:
        page.get_by_label(texts["exercise"]).select_option(label=exercise)
    page.get_by_role("button", name=texts["add"]).click()


def stored(page: Page) -> list[dict[str, Any]] | None:
    raw = page.evaluate("localStorage.getItem('houvast.reminders')")
    return json.loads(raw) if raw else None


def no_violations(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[tuple[str, str]]:
    """A server of its own (on SQLite, then on PostgreSQL), with its database at hand."""
    settings = isolated_settings(tmp_path / "data", database_url=database_url)
    with LiveServer(create_app(settings, dispatch=False)) as url:
        yield url, settings.database


def stored_push(database: str, device_id: str) -> tuple[str, str, str] | None:
    engine = make_engine(database)
    with engine.connect() as connection:
        row = connection.execute(
            select(devices.c.endpoint, devices.c.p256dh, devices.c.auth).where(
                devices.c.id == device_id
            )
        ).first()
    engine.dispose()
    return (row.endpoint, row.p256dh, row.auth) if row else None


@pytest.fixture(scope="session")
def browser(full_browser: Browser) -> Browser:
    """Every test here in the full Chromium (``page`` too): the reminders page offers what the
    browser can do, and the headless shell has no notifications or Push API to offer."""
    return full_browser


@pytest.fixture
def phone(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, timezone_id=ZONE, **options
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_reminders_are_added_changed_and_deleted_on_the_device(page: Page, locale: str) -> None:
    texts = TEXTS[locale]
    page.goto(f"/{locale}/reminders")
    expect(page.get_by_text(texts["empty"])).to_be_visible()

    # Nothing chosen: both problems are named, and nothing is kept.
    page.get_by_role("button", name=texts["add"]).click()
    expect(page.locator("#days-error")).to_have_text(texts["no_day"])
    expect(page.locator("#time-error")).to_have_text(texts["no_time"])
    expect(page.locator("#reminders-status")).to_have_text(texts["not_saved"])
    expect(page.get_by_label(texts["days"][0], exact=True)).to_be_focused()
    page.get_by_label(texts["days"][0], exact=True).check()
    page.get_by_role("button", name=texts["add"]).click()
    expect(page.locator("#days-error")).to_be_hidden()
    expect(page.get_by_label(texts["time"], exact=True)).to_be_focused()
    assert stored(page) is None

    page.get_by_label(texts["days"][0], exact=True).uncheck()
    add(page, locale, [1, 3], "08:30")
    expect(page.locator("#reminders-status")).to_have_text(texts["added"])
    add(page, locale, list(range(1, 8)), "21:00", texts["four_s"])
    items = page.locator("#reminder-list > li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(texts["mon_wed"])
    expect(items.nth(0)).to_contain_text(texts["grounding"])
    expect(items.nth(1)).to_contain_text(texts["every_day"])
    expect(items.nth(1)).to_contain_text(texts["four_s"])
    expect(page.get_by_text(texts["empty"])).to_be_hidden()
    no_violations(page)

    # Change the first: the form shows it, and saving replaces it.
    items.nth(0).get_by_role("button", name=texts["change"]).click()
    expect(page.locator("#form-heading")).to_have_text(texts["edit_heading"])
    expect(page.locator("#form-heading")).to_be_focused()
    expect(page.get_by_label(texts["days"][0], exact=True)).to_be_checked()
    expect(page.get_by_label(texts["days"][2], exact=True)).to_be_checked()
    expect(page.get_by_label(texts["time"], exact=True)).to_have_value("08:30")
    page.get_by_label(texts["days"][2], exact=True).uncheck()
    page.get_by_label(texts["days"][4], exact=True).check()
    page.get_by_label(texts["time"], exact=True).fill("07:45")
    page.get_by_role("button", name=texts["save"]).click()
    expect(page.locator("#reminders-status")).to_have_text(texts["changed"])
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(texts["mon_fri"])
    expect(page.get_by_role("button", name=texts["add"])).to_be_visible()

    page.reload()
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(texts["mon_fri"])
    items.nth(1).get_by_role("button", name=texts["delete"]).click()
    expect(page.locator("#reminders-status")).to_have_text(texts["deleted"])
    expect(items).to_have_count(1)
    kept = stored(page)
    assert kept is not None
    assert [(r["days"], r["time"], r["target"]) for r in kept] == [
        ([1, 5], "07:45", {"type": "exercise", "id": "grounding"})
    ]
    items.nth(0).get_by_role("button", name=texts["delete"]).click()
    expect(page.get_by_text(texts["empty"])).to_be_visible()
    assert stored(page) == []


def test_turning_notifications_on_registers_the_device_and_off_deletes_it(
    phone: Callable[..., BrowserContext], server: tuple[str, str]
) -> None:
    origin, database = server
    subscription = browser_subscription()
    context = phone(base_url=origin)
    context.grant_permissions(["notifications"], origin=origin)
    context.add_init_script(FAKE_PUSH % json.dumps(subscription))
    page = context.new_page()
    page.goto("/en/reminders")
    add(page, "en", [2], "18:00")
    assert page.evaluate(READ_DEVICE) is None, "nothing goes to the server before push is on"

    page.get_by_role("button", name="Turn on notifications").click()
    expect(page.locator("#delivery-status")).to_have_text(
        "Notifications are on. One will come at the times of your reminders."
    )
    expect(page.locator("#push-text")).to_have_text("Notifications are on for this device.")
    expect(page.get_by_role("button", name="Turn off notifications")).to_be_visible()
    expect(page.get_by_role("button", name="Turn on notifications")).to_be_hidden()
    expect(page.locator("#calendar")).to_be_hidden()

    # Subscribed with the server's VAPID key, and the server keeps the subscription.
    status, body = http("GET", f"{origin}/api/push/key")
    assert status == 200
    assert page.evaluate("localStorage.getItem('test.subscribed')") == json.loads(body)["publicKey"]
    device = page.evaluate(READ_DEVICE)
    assert device["push"] is True
    assert stored_push(database, device["id"]) == (
        subscription["endpoint"],
        subscription["keys"]["p256dh"],
        subscription["keys"]["auth"],
    )
    follows(origin, page, [("TU", "18:00", ZONE, "Here and now")])

    # Every change reaches the server, which keeps the subscription.
    add(page, "en", [6, 7], "10:15", TEXTS["en"]["four_s"])
    follows(
        origin,
        page,
        [("SA,SU", "10:15", ZONE, TEXTS["en"]["four_s"]), ("TU", "18:00", ZONE, "Here and now")],
    )
    page.locator("#reminder-list > li").nth(1).get_by_role("button", name="Delete").click()
    follows(origin, page, [("SA,SU", "10:15", ZONE, TEXTS["en"]["four_s"])])
    assert stored_push(database, device["id"]) is not None
    assert stored_push(database, device["id"])[0] == subscription["endpoint"]  # type: ignore[index]

    # A reload finds it on, and the changes made meanwhile are there.
    page.reload()
    expect(page.locator("#push-text")).to_have_text("Notifications are on for this device.")

    page.get_by_role("button", name="Turn off notifications").click()
    expect(page.locator("#delivery-status")).to_have_text(
        "Notifications are off, and the server no longer keeps your reminders."
    )
    expect(page.get_by_role("button", name="Turn on notifications")).to_be_visible()
    assert stored_push(database, device["id"]) is None
    assert server_schedule(origin, device) is None
    body = {"timezone": ZONE, "locale": "en", "reminders": []}
    status, _ = http("PUT", f"{origin}/api/devices/{device['id']}", body, device["token"])
    assert status == 404
    assert page.evaluate(READ_DEVICE) is None
    assert page.evaluate("localStorage.getItem('test.subscribed')") is None, "unsubscribed"
    # The reminders stay on the device.
    expect(page.locator("#reminder-list > li")).to_have_count(1)


def deny_notifications(context: BrowserContext, page: Page, origin: str) -> None:
    """Block notifications, as a person can in the browser's settings (Playwright only grants)."""
    target = context.new_cdp_session(page).send("Target.getTargetInfo")["targetInfo"]
    browser = context.browser
    assert browser is not None
    browser.new_browser_cdp_session().send(
        "Browser.setPermission",
        {
            "permission": {"name": "notifications"},
            "setting": "denied",
            "origin": origin,
            "browserContextId": target["browserContextId"],
        },
    )


def test_with_notifications_blocked_the_calendar_is_offered(
    phone: Callable[..., BrowserContext], base_url: str
) -> None:
    context = phone(base_url=base_url, accept_downloads=True)
    page = context.new_page()
    deny_notifications(context, page, base_url)
    page.goto("/nl/reminders")
    expect(page.locator("#push-text")).to_contain_text(
        "Meldingen van Houvast zijn geblokkeerd in deze browser."
    )
    expect(page.get_by_role("button", name="Meldingen aanzetten")).to_be_hidden()
    calendar = page.locator("#calendar")
    expect(calendar).to_be_visible()
    expect(calendar.get_by_role("heading", name="In je agenda")).to_be_visible()

    calendar.get_by_role("button", name="Downloaden voor mijn agenda").click()
    expect(page.locator("#delivery-status")).to_have_text(
        "Voeg eerst een herinnering toe; dan kan die in je agenda."
    )
    add(page, "nl", [1, 4], "07:30")
    with page.expect_download() as download:
        calendar.get_by_role("button", name="Downloaden voor mijn agenda").click()
    ics = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == "houvast.ics"
    assert schedule_of(ics) == [("MO,TH", "07:30", ZONE, "Hier en nu")]
    (event,) = Calendar.from_ical(ics).events
    assert event["summary"].params["LANGUAGE"] == "nl"
    expect(page.locator("#delivery-status")).to_contain_text("Bewaard als houvast.ics.")
    assert page.evaluate(READ_DEVICE) is None, "a download leaves nothing on the server"
    no_violations(page)

    calendar.get_by_role("button", name="Agendalink maken").click()
    link = page.get_by_label("Link naar je herinneringen")
    expect(link).to_be_visible()
    expect(link).to_be_focused()
    url = link.input_value()
    device = page.evaluate(READ_DEVICE)
    assert device["push"] is False
    assert url == base_url + device["calendar"]
    assert url.startswith(f"{base_url}/api/calendar/{device['id']}/")
    opener = calendar.get_by_role("link", name="Openen in mijn agenda-app")
    expect(opener).to_have_attribute("href", url.replace("http:", "webcal:", 1))
    expect(calendar.get_by_role("button", name="Agendalink maken")).to_be_hidden()
    follows(base_url, page, [("MO,TH", "07:30", ZONE, "Hier en nu")])
    no_violations(page)

    # The subscribed calendar follows every change.
    page.locator("#reminder-list > li").first.get_by_role("button", name="Wijzigen").click()
    page.get_by_label("Zondag", exact=True).check()
    page.get_by_role("button", name="Wijzigingen bewaren").click()
    follows(base_url, page, [("MO,TH,SU", "07:30", ZONE, "Hier en nu")])

    calendar.get_by_role("button", name="Deze link stoppen").click()
    expect(page.locator("#delivery-status")).to_have_text(
        "De link werkt niet meer, en de server bewaart je herinneringen niet meer."
    )
    assert server_schedule(base_url, device) is None
    expect(link).to_be_hidden()
    expect(calendar.get_by_role("button", name="Agendalink maken")).to_be_visible()


def test_a_permission_question_that_never_answers_still_offers_the_calendar(
    phone: Callable[..., BrowserContext], base_url: str
) -> None:
    """Headless Firefox never answers Notification.requestPermission(): the calendar is on
    offer from the tap on, and works while the question stays open."""
    context = phone(base_url=base_url, accept_downloads=True)
    context.add_init_script("Notification.requestPermission = () => new Promise(() => {});")
    page = context.new_page()
    page.goto("/en/reminders")
    add(page, "en", [3], "21:00")
    calendar = page.locator("#calendar")
    expect(calendar).to_be_hidden()
    page.get_by_role("button", name="Turn on notifications").click()
    expect(page.locator("#delivery-status")).to_have_text(
        "Your browser is asking whether Houvast may send notifications. Don't see the question? "
        "Your calendar can remind you instead (below)."
    )
    expect(page.get_by_role("button", name="Turn on notifications")).to_be_disabled()
    with page.expect_download() as download:
        calendar.get_by_role("button", name="Download for my calendar").click()
    assert schedule_of(Path(download.value.path()).read_bytes()) == [
        ("WE", "21:00", ZONE, "Here and now")
    ]
    # The question is still open: its button stays as it was, the calendar's work again.
    expect(page.get_by_role("button", name="Turn on notifications")).to_be_disabled()
    expect(calendar.get_by_role("button", name="Get a calendar link")).to_be_enabled()


NEUTRAL = {
    "nl": ("Onopvallende teksten", "Tijd voor jouw moment", "Herinneringen zeggen nu"),
    "en": ("Discreet texts", "Time for your moment", "Reminders now say"),
}


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_discreet_texts_travel_with_the_registration(
    phone: Callable[..., BrowserContext], base_url: str, locale: str
) -> None:
    """The choice is kept on the device and sent with the registration: the calendar feed (and
    push, tests/test_dispatch.py) then says "Time for your moment", and again names the
    exercise once the choice is undone. A download follows it too."""
    label, neutral_text, said = NEUTRAL[locale]
    title = TEXTS[locale]["grounding"]
    context = phone(base_url=base_url, accept_downloads=True)
    page = context.new_page()
    deny_notifications(context, page, base_url)
    page.goto(f"/{locale}/reminders")
    add(page, locale, [2], "09:15")
    choice = page.get_by_label(label, exact=True)
    expect(choice).not_to_be_checked()
    page.locator("#calendar-subscribe").click()
    expect(page.locator("#calendar-url")).to_be_visible()
    follows(base_url, page, [("TU", "09:15", ZONE, title)])

    choice.check()
    expect(page.locator("#delivery-status")).to_contain_text(said)
    follows(base_url, page, [("TU", "09:15", ZONE, neutral_text)])
    with page.expect_download() as download:
        page.evaluate("document.getElementById('calendar-download').click()")
    assert schedule_of(Path(download.value.path()).read_bytes()) == [
        ("TU", "09:15", ZONE, neutral_text)
    ]
    no_violations(page)

    page.reload()
    expect(page.get_by_label(label, exact=True)).to_be_checked()
    page.get_by_label(label, exact=True).uncheck()
    follows(base_url, page, [("TU", "09:15", ZONE, title)])


def test_ios_outside_the_home_screen_is_asked_to_add_houvast_first(
    phone: Callable[..., BrowserContext], base_url: str
) -> None:
    context = phone(base_url=base_url, user_agent=IPHONE)
    page = context.new_page()
    page.goto("/en/reminders")
    expect(page.locator("#push-text")).to_contain_text("‘Add to Home Screen’")
    expect(page.locator("#push-text")).to_contain_text("once it is on your home screen")
    expect(page.get_by_role("button", name="Turn on notifications")).to_be_hidden()
    expect(page.locator("#calendar")).to_be_visible()


def test_the_servers_message_is_shown_when_it_refuses_a_change(
    phone: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    app = create_app(isolated_settings(tmp_path / "data", max_reminders=1), dispatch=False)
    with LiveServer(app) as origin:
        page = phone(base_url=origin, user_agent=IPHONE).new_page()
        page.goto("/en/reminders")
        add(page, "en", [1], "08:00")
        page.get_by_role("button", name="Get a calendar link").click()
        expect(page.get_by_label("Link to your reminders")).to_be_visible()
        add(page, "en", [2], "09:00")
        expect(page.locator("#reminders-status")).to_have_text(
            "Reminder added. It is kept on this device, but the server could not be updated: "
            "At most 1 reminders per device. Houvast tries again the next time you open this page."
        )
        expect(page.locator("#reminder-list > li")).to_have_count(2)
        follows(origin, page, [("MO", "08:00", ZONE, "Here and now")])


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_everything_fits_320_pixels_and_is_easy_to_tap(
    phone: Callable[..., BrowserContext], base_url: str, locale: str
) -> None:
    context = phone(base_url=base_url, user_agent=IPHONE)
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/{locale}/reminders")
    # By keyboard alone: a day with the space bar, the button with Enter.
    page.get_by_label(TEXTS[locale]["days"][5], exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_label(TEXTS[locale]["time"], exact=True).fill("10:00")
    page.get_by_role("button", name=TEXTS[locale]["add"]).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#reminders-status")).to_have_text(TEXTS[locale]["added"])
    expect(page.locator("#calendar")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    targets = page.locator(
        "#reminders button:visible, #reminders a.button:visible, #reminders select, "
        "#reminders input[type=time], #day-boxes label"
    )
    assert targets.count() > 10
    for target in targets.all():
        box = target.bounding_box()
        assert box is not None and box["height"] >= 44, target.evaluate("n => n.outerHTML")
    no_violations(page)


def test_without_javascript_the_page_says_reminders_need_it(
    phone: Callable[..., BrowserContext], base_url: str
) -> None:
    page = phone(base_url=base_url, java_script_enabled=False).new_page()
    page.goto("/nl/reminders")
    expect(page.get_by_role("heading", level=1)).to_have_text("Herinneringen")
    # Playwright's text search skips <noscript>; a browser without script shows it.
    expect(page.locator("noscript .notice")).to_have_text(
        "Voor herinneringen is JavaScript nodig, en dat staat in deze browser uit of ontbreekt."
    )
    expect(page.locator("#reminders")).to_be_hidden()


def test_a_static_copy_says_reminders_need_the_online_version(page: Page, tmp_path: Path) -> None:
    app = create_app(isolated_settings(tmp_path / "data"), static_site=True, dispatch=False)
    with LiveServer(app) as url:
        page.goto(f"{url}/en/reminders")
        expect(page.locator("#reminders-online-only")).to_contain_text(
            "need the online version of Houvast"
        )
        expect(page.locator("#delivery")).to_have_count(0)
        add(page, "en", [3], "12:00")
        expect(page.locator("#reminder-list > li")).to_contain_text("Wednesday at 12:00 PM")


def notifications(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            return (await registration.getNotifications()).map((n) => ({
                title: n.title, body: n.body, tag: n.tag, lang: n.lang, url: n.data?.url,
                icon: n.icon, badge: n.badge, silent: n.silent,
            }));
        }"""
    )


def test_the_service_worker_shows_a_push_and_a_click_opens_the_exercise(
    profile: BrowserContext, server: tuple[str, str]
) -> None:
    origin, database = server
    profile.grant_permissions(["notifications"], origin=origin)
    profile.add_init_script(FAKE_PUSH % json.dumps(browser_subscription()))
    page = profile.new_page()
    cdp = profile.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.goto(f"{origin}/nl/reminders")
    controlled(page)
    # Chromium can lose a push sent while the worker is still activating (it claims the page
    # before it is done); a phone gets pushes long after.
    eventually(
        lambda: page.evaluate("navigator.serviceWorker.controller.state") == "activated",
        "the service worker to be active",
    )
    registration_id = eventually(
        lambda: next(
            (r["registrationId"] for r in registrations if r["scopeURL"] == f"{origin}/"), None
        ),
        "the service worker's registration",
    )

    def push(data: str) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": origin, "registrationId": registration_id, "data": data},
        )

    message = {
        "title": "Houvast",
        "body": "Tijd voor Hier en nu, als het je uitkomt.",
        "url": "/nl/exercises/grounding#start",
        "tag": "houvast-reminder-7",
        "at": 1_800_000_000,  # the occurrence
    }

    # Under load, Chromium now and then drops a push sent through DevTools: the call succeeds
    # and no event reaches the worker. So each message is sent again until its notification
    # shows (a handler that shows nothing still fails after five tries).
    def shown_with(tag: str) -> list[dict[str, Any]] | None:
        found = notifications(page)
        return found if any(n["tag"] == tag for n in found) else None

    def push_until_shown(data: str | Callable[[int], str], tag: str) -> list[dict[str, Any]]:
        """``data``, or ``data(attempt)``: a reminder that must alert is sent as a new
        occurrence each time, since a late first copy would make the next one a repeat."""
        for attempt in range(5):
            push(data(attempt) if callable(data) else data)
            try:
                return eventually(
                    lambda: shown_with(tag), f"the notification tagged {tag!r}", seconds=4
                )
            except AssertionError:
                continue
        raise AssertionError(f"no notification tagged {tag!r} after five pushes")

    def occurrence(payload: dict[str, Any]) -> Callable[[int], str]:
        return lambda attempt: json.dumps({**payload, "at": payload["at"] + attempt})

    shown = push_until_shown(occurrence(message), message["tag"])
    assert [(n["title"], n["body"], n["tag"], n["lang"], n["url"]) for n in shown] == [
        ("Houvast", message["body"], message["tag"], "nl", f"{origin}/nl/exercises/grounding#start")
    ]
    assert shown[0]["icon"].endswith("/icons/icon-192.png")
    assert shown[0]["badge"] == shown[0]["icon"]
    assert not shown[0]["silent"], "a reminder alerts"

    # Whatever arrives, something is shown, and it never opens another site.
    push_until_shown("not json", "")
    elsewhere = json.dumps({"title": "Elders", "url": "https://elders.example/", "tag": "other"})
    shown = push_until_shown(elsewhere, "other")
    by_tag = {n["tag"]: n for n in shown}
    assert by_tag[""]["title"] == "Houvast"
    assert by_tag["other"]["url"] == f"{origin}/"

    # A click: headless Chromium has no way to click a notification itself, so the test hands
    # the worker's own listener a NotificationEvent for the notification it showed. The window
    # already open is taken to the exercise, and the notification closes. (The listener's
    # waitUntil throws for an event made by script, after the opening has begun; a new window
    # needs a real click, so openWindow is left untested.)
    (worker,) = profile.service_workers
    worker.evaluate(
        """async () => {
            const tag = 'houvast-reminder-7';
            const [notification] = await self.registration.getNotifications({ tag });
            self.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
        }"""
    )
    expect(page).to_have_url(f"{origin}/nl/exercises/grounding#start")
    expect(page.locator("h1")).to_have_text("Hier en nu")
    eventually(
        lambda: "houvast-reminder-7" not in {n["tag"] for n in notifications(page)},
        "the clicked notification to close",
    )

    # The server died while posting it and sends the same occurrence again (docs/reminders.md):
    # it shows, as a push must, but quietly; the next day's reminder alerts again.
    def silent_after(payload: dict[str, Any], data: str | Callable[[int], str]) -> bool:
        worker.evaluate(  # the person closed the one before
            """async (tag) => {
                for (const shown of await self.registration.getNotifications({ tag })) {
                    shown.close();
                }
            }""",
            payload["tag"],
        )
        (again,) = [n for n in push_until_shown(data, payload["tag"]) if n["tag"] == payload["tag"]]
        return bool(again["silent"])

    assert silent_after(message, json.dumps(message)), "the same occurrence again: no alert"
    tomorrow = {**message, "at": message["at"] + 24 * 3600}
    assert not silent_after(tomorrow, occurrence(tomorrow)), "the next one alerts"

    # The browser renews a subscription: the worker subscribes again and tells the server.
    page.goto(f"{origin}/nl/reminders")
    add(page, "nl", [1], "09:00")
    page.get_by_role("button", name="Meldingen aanzetten").click()
    expect(page.get_by_role("button", name="Meldingen uitzetten")).to_be_visible()
    device = page.evaluate(READ_DEVICE)
    renewed = browser_subscription()
    worker.evaluate(
        """(renewed) => {
            const subscription = { ...renewed, toJSON: () => renewed };
            self.registration.pushManager.subscribe = async () => subscription;
            self.dispatchEvent(new ExtendableEvent('pushsubscriptionchange'));
        }""",
        renewed,
    )
    eventually(
        lambda: (stored_push(database, device["id"]) or ("",))[0] == renewed["endpoint"],
        "the server to keep the renewed subscription",
    )
    follows(origin, page, [("MO", "09:00", ZONE, "Hier en nu")])
