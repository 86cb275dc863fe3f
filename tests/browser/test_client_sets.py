"""A therapist's set on the client's phone, end to end in Chromium: the operator's command makes
an account, the therapist builds a set (a value changed, notes, a suggested time) and shares
it; the QR code on the screen is decoded back to the link; the client, in another browser
context on a 360×640 phone, opens it (or types the short code), keeps it, goes offline, plays it
with the therapist's value, rates, and opts in to sharing; back online the therapist sees the
run. A resent run is stored once. The therapist changes the set and the client takes the new
version; the therapist stops the link and the client's copy says it is no longer updated; the
client withdraws and the server forgets what was shared. axe-core on every client page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.settings import Settings
from tests.browser.conftest import AXE, axe_on_frozen_clock, console_errors, freeze_clock
from tests.browser.test_therapist import PASSWORD, api, houvast_add, in_place
from tests.qr import decode_png
from tests.therapist import backdate_shares, served_on_known_port

PHONE = {"width": 360, "height": 640}
SHOTS = Path("/tmp/shots-client-sets")
# Yesterday evening: the server counts shared runs by the real date (the last twelve weeks).
START = datetime.combine(datetime.now().date() - timedelta(days=1), time(19, 30))
SETS = """async ([call, ...args]) => {
  const src = document.querySelector('script[type=module]').src;
  const sets = await import(new URL('sets.js', src));
  return sets[call](...args);
}"""
SHARED_SECRETS = "JSON.parse(localStorage.getItem('houvast.shared-secrets') || '[]')"
WORDS = {
    "nl": {
        "title": "Avond",
        "note": "Rustig aan, in je eigen tempo.",
        "item": "Voeten op de vloer.",
        "keep": "Bewaar op deze telefoon",
        "kept": "Bewaard op deze telefoon",
        "your_sets": "Je sets",
        "start_set": "Begin met de set",
        "item_of": "Oefening 1 van 1 uit je set",
        "back": "Terug naar je set",
        "share": "Deel mijn voortgang",
        "waiting": "zodra je online bent",
        "sent": "Verstuurde oefeningen: 1.",
        "updated": "Bijgewerkt door je therapeut",
        "revoked": "Je therapeut werkt deze set niet meer bij",
        "stop": "Stop met delen en verwijder wat ik heb gedeeld",
        "stopped": "Je deelt niets meer.",
        "no_progress": "Geen cliënt deelt voortgang met deze set.",
        "code_open": "Open de set",
        "remove": "Verwijder deze set",
        "remove_yes": "Ja, verwijderen",
        "removed": "De set is van deze telefoon verwijderd.",
        "used": "Deze link of code is al gebruikt om de set op een telefoon te bewaren",
        "share_on": "Je deelt je voortgang",
        "share_revoked_on": "er wordt niets meer gedeeld",
        "opens_online": "De set gaat hier open zodra je weer online bent.",
        "code_heading": "Heb je een code van je therapeut?",
    },
    "en": {
        "title": "Evenings",
        "note": "Gently does it, at your own pace.",
        "item": "Feet on the floor.",
        "keep": "Keep on this phone",
        "kept": "Kept on this phone",
        "your_sets": "Your sets",
        "start_set": "Start the set",
        "item_of": "Exercise 1 of 1 in your set",
        "back": "Back to your set",
        "share": "Share my progress",
        "waiting": "as soon as you are online",
        "sent": "Exercises sent: 1.",
        "updated": "Updated by your therapist",
        "revoked": "Your therapist no longer updates this set",
        "stop": "Stop sharing and delete what I shared",
        "stopped": "Sharing has stopped.",
        "no_progress": "No client shares their progress with this set.",
        "code_open": "Open the set",
        "remove": "Remove this set",
        "remove_yes": "Yes, remove it",
        "removed": "The set is removed from this phone.",
        "used": "This link or code has already been used to keep the set on a phone",
        "share_on": "You share your progress",
        "share_revoked_on": "nothing more is shared",
        "opens_online": "The set opens here as soon as you are online again.",
        "code_heading": "Have a code from your therapist?",
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    with served_on_known_port(tmp_path_factory.mktemp("client-sets")) as served:
        yield served


def check_axe(page: Page, name: str, *, frozen: bool = False) -> None:
    results = axe_on_frozen_clock(page) if frozen else AXE.run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))  # what a 360×640 phone shows


def therapist_shares_a_set(
    browser: Browser, url: str, settings: Settings, locale: str, name: str
) -> dict[str, Any]:
    """The operator adds a therapist, who builds and shares a set: {page, set_url, link, code}."""
    words = WORDS[locale]
    email = f"{name}-{locale}@example.org"
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale=locale)
    page = context.new_page()
    page.goto(houvast_add(settings, email, locale))
    page.fill("#password", PASSWORD)
    page.fill("#repeat", PASSWORD)
    with page.expect_navigation():
        page.press("#repeat", "Enter")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    page.goto(f"{url}/t/{locale}/sets/new")
    page.fill("#title", words["title"])
    page.fill("#note", words["note"])
    page.select_option("#new-exercise", "grounding")
    in_place(page, "#add-item", key=None)
    page.fill("#items-0-note", words["item"])
    page.fill("#items-0-what-see-duration", "45")
    in_place(page, "#add-reminder", key=None)
    page.check("#reminders-0-day-1")
    page.fill("#reminders-0-time", "20:00")
    with page.expect_navigation():
        page.click("#save")
    set_url = page.url.split("?")[0]
    with page.expect_navigation():
        page.click('form[action$="/share"] button')
    link = page.locator("#share-link").input_value()
    assert link.startswith(f"{url}/{locale}/set#t=")
    # The QR code on the screen is that very link, as a phone's camera reads it.
    assert decode_png(page.locator("#share-qr svg").screenshot()) == link
    code = page.locator("#share-code").inner_text()
    return {"page": page, "context": context, "set_url": set_url, "link": link, "code": code}


def phone(browser: Browser, locale: str) -> tuple[BrowserContext, Page, list[str]]:
    context = browser.new_context(
        viewport=PHONE,
        locale=locale,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        timezone_id="Europe/Amsterdam",
    )
    page = context.new_page()
    errors = console_errors(page)
    # The browser logs a failed load without its address: name it, should one happen.
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status == 404 else None)
    return context, page, errors


def wait_for_worker(page: Page) -> None:
    """The service worker has stored the app and controls the page: it works offline now.

    A page that was loading while the worker took over can stay outside it (clients.claim()
    misses a document still being created); the next load of it is inside, as on a phone."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def seconds_left(page: Page) -> int:
    match = re.search(r"(\d+):(\d\d)", page.locator("#player-time").inner_text())
    assert match
    return int(match.group(1)) * 60 + int(match.group(2))


def play_grounding(page: Page, locale: str, *, rating: int) -> list[int]:
    """Play the whole grounding exercise on the fake clock; return each timed step's length."""
    lengths: list[int] = []
    # The player is ready once Start became its button (player.js).
    page.locator("#start[role=button]").click()
    expect(page.locator("#player")).to_be_visible()
    # Stop and the way out stay on the phone's screen during a set's run, as in any other (in
    # grounding itself the way out leads to help).
    for way_out in ("#player-stop", ".way-out-ground"):
        expect(page.locator(way_out)).to_be_in_viewport()
    for _ in range(60):
        if page.locator("#player").get_attribute("data-key") == "closing":
            page.locator("#player-next").click()
            break
        index = page.locator("#player").get_attribute("data-index")
        kind = page.locator("#player").get_attribute("data-kind")
        if kind in ("timed", "breath"):
            left = seconds_left(page)
            if kind == "timed":
                lengths.append(left)
            page.clock.run_for(left * 1000 + 50)
        elif kind == "rate":
            page.get_by_role("radio", name=str(rating), exact=True).check()
            page.locator(".rating button[type=submit]").click()
        else:
            for _ in range(130):
                if page.locator("#player-next").is_visible():
                    break
                page.clock.run_for(1000)
            page.locator("#player-next").click()
        expect(page.locator("#player")).not_to_have_attribute("data-index", str(index))
    expect(page.locator("#player-end")).to_be_visible()
    return lengths


def test_a_client_keeps_plays_shares_and_withdraws_a_set(
    browser: Browser, server: tuple[str, Settings]
) -> None:
    url, settings = server
    locale = "nl"
    words = WORDS[locale]
    shared = therapist_shares_a_set(browser, url, settings, locale, "flow")
    # The run below is played yesterday evening (START): the set was shared before that.
    backdate_shares(settings, 2)
    therapist: Page = shared["page"]
    context, page, errors = phone(browser, locale)

    # The link opens the set in its language; the token leaves the address at once.
    page.goto(shared["link"])
    expect(page.locator("#set-heading")).to_have_text(words["title"])
    assert "#" not in page.url
    expect(page.locator(".set-note")).to_contain_text(words["note"])
    expect(page.locator(".set-items")).to_contain_text(words["item"])
    expect(page.locator(".set-times")).to_contain_text("20:00")
    check_axe(page, "opened set")
    shot(page, f"{locale}-opened")
    page.get_by_role("button", name=words["keep"]).click()
    expect(page.locator("#set-status")).to_contain_text(words["kept"])
    assert re.search(r"/nl/set#k=", page.url)
    check_axe(page, "kept set")
    shot(page, f"{locale}-kept")
    wait_for_worker(page)

    # Offline from here: home shows the set first, and the set plays with the therapist's value.
    context.set_offline(True)
    page.goto(f"{url}/{locale}/")
    sets = page.locator(".home-sets")
    expect(sets.locator("h2")).to_have_text(words["your_sets"])
    expect(sets).to_contain_text(words["title"])
    assert page.evaluate(
        "document.querySelector('.home-sets').compareDocumentPosition("
        "document.querySelector('.exercise-section:not(.home-sets)')) & 4"
    ), "the sets come before the exercises"
    check_axe(page, "home with a set")
    shot(page, f"{locale}-home")
    freeze_clock(page, START)
    sets.get_by_role("link", name=re.compile(words["title"])).click()
    page.get_by_role("link", name=words["start_set"]).click()
    expect(page.locator(".set-item-note")).to_contain_text(words["item_of"])
    expect(page.locator(".set-item-note")).to_contain_text(words["item"])
    shot(page, f"{locale}-item")
    lengths = play_grounding(page, locale, rating=3)
    assert lengths[:5] == [20, 45, 20, 20, 20], "the therapist's 45 s for what you see"
    check_axe(page, "end of a set's exercise", frozen=True)
    shot(page, f"{locale}-end")
    page.get_by_role("link", name=words["back"]).click()
    # Opting in while offline: said plainly first, sent once the phone is online.
    expect(page.locator(".set-sharing")).to_contain_text(words["share"])
    page.get_by_role("button", name=words["share"]).click()
    expect(page.locator("#share-state")).to_contain_text(words["waiting"])
    shot(page, f"{locale}-sharing-waiting")
    runs = page.evaluate("""async () => {
      const src = document.querySelector('script[type=module]').src;
      return (await import(new URL('store.js', src))).allRuns();
    }""")
    assert len(runs) == 1 and runs[0]["set"] and runs[0]["after"] == 3

    # Back online: the run goes to the therapist, once.
    with page.expect_response(lambda r: r.url.endswith("/api/progress/runs")) as sent:
        context.set_offline(False)
    assert sent.value.json() == {"stored": 1}
    expect(page.locator("#share-state")).to_contain_text(words["sent"])
    therapist.goto(shared["set_url"] + "/progress")
    assert shared_runs(therapist) == 1
    # The same run again (an answer lost on the way, say): the server keeps it once.
    set_id = page.evaluate("new URLSearchParams(location.hash.slice(1)).get('k')")
    record = page.evaluate(SETS, ["keptSet", set_id])
    page.evaluate(SETS, ["saveKept", {**record, "progress": {**record["progress"], "sent": []}}])
    with page.expect_response(lambda r: r.url.endswith("/api/progress/runs")) as again:
        page.evaluate(SETS, ["syncSets", set_id])
    assert again.value.json() == {"stored": 0}
    therapist.reload()
    assert shared_runs(therapist) == 1
    secret = record["progress"]["secret"]
    # Kept in the clear as well, so that starting fresh (forgot PIN) can still withdraw it.
    assert secret in page.evaluate(SHARED_SECRETS)

    # The therapist changes the set: the client takes the new version, and says so.
    therapist.goto(shared["set_url"] + "/edit")
    therapist.fill("#note", "Nieuw: neem de tijd.")
    with therapist.expect_navigation():
        therapist.click("#save")
    page.reload()
    expect(page.locator(".set-updated")).to_contain_text(words["updated"])
    expect(page.locator(".set-note")).to_contain_text("Nieuw: neem de tijd.")
    shot(page, f"{locale}-updated")

    # The therapist stops the link: the set stays, and says it is no longer updated.
    therapist.goto(shared["set_url"])
    with therapist.expect_navigation():
        therapist.click("#shares form button")
    page.reload()
    expect(page.locator(".set-revoked")).to_contain_text(words["revoked"])
    expect(page.locator(".set-note")).to_contain_text("Nieuw: neem de tijd.")
    # Sharing still on, but nothing goes any more: said so, and withdrawing stays possible.
    expect(page.locator("#share-state")).to_contain_text(words["share_revoked_on"])
    expect(page.locator("#share-state")).not_to_contain_text(words["share_on"])
    check_axe(page, "revoked set", frozen=True)
    shot(page, f"{locale}-revoked")

    # Withdrawing deletes what was shared on the server, at once.
    page.get_by_role("button", name=words["stop"]).click()
    expect(page.locator("#set-status")).to_contain_text(words["stopped"])
    status, _ = api(url, "/api/progress/runs", {"runs": []}, secret)
    assert status == 404, "the secret no longer works"
    assert secret not in page.evaluate(SHARED_SECRETS)
    therapist.goto(shared["set_url"] + "/progress")
    expect(therapist.locator("#no-progress")).to_contain_text(words["no_progress"])

    # And the set can be removed, after a confirmation.
    page.get_by_role("button", name=words["remove"]).click()
    page.get_by_role("button", name=words["remove_yes"]).click()
    expect(page.locator("#set-status")).to_have_text(words["removed"])
    assert page.evaluate(SETS, ["keptSets"]) == []
    # The browser logs the stopped link's answer itself; the app logged nothing.
    assert [error for error in errors if "410 (Gone)" not in error] == []
    context.close()
    shared["context"].close()


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_a_client_types_the_code_keeps_the_set_and_plays_it_offline(
    browser: Browser, server: tuple[str, Settings], locale: str
) -> None:
    url, settings = server
    words = WORDS[locale]
    shared = therapist_shares_a_set(browser, url, settings, locale, "code")
    context, page, errors = phone(browser, locale)

    # The installed app has no address bar: home offers the code.
    page.goto(f"{url}/{locale}/")
    page.locator(".set-open-link").click()
    expect(page.locator("#set-code")).to_be_visible()
    check_axe(page, "set page without sets")
    page.fill("#set-code", "abcd")
    page.get_by_role("button", name=words["code_open"]).click()
    expect(page.locator("#set-code-error")).to_be_visible()
    expect(page.locator("#set-code")).to_have_attribute("aria-invalid", "true")
    shot(page, f"{locale}-code-error")
    page.fill("#set-code", shared["code"].lower().replace(" ", "-"))
    page.get_by_role("button", name=words["code_open"]).click()
    expect(page.locator("#set-heading")).to_have_text(words["title"])
    shot(page, f"{locale}-code-opened")
    page.get_by_role("button", name=words["keep"]).click()
    expect(page.locator("#set-status")).to_contain_text(words["kept"])
    shot(page, f"{locale}-code-kept")
    wait_for_worker(page)
    # Kept, the phone told the server so: the code (like the link) opens nothing more, and
    # says where the set is; one copy is kept.
    page.goto(f"{url}/{locale}/set")
    page.fill("#set-code", shared["code"])
    page.get_by_role("button", name=words["code_open"]).click()
    expect(page.locator("#set-code-error")).to_contain_text(words["used"])
    assert len(page.evaluate(SETS, ["keptSets"])) == 1
    # The browser logs the server's answer (410 Gone) as a failed load: expected here.
    assert errors == ["Failed to load resource: the server responded with a status of 410 (Gone)"]
    errors.clear()

    context.set_offline(True)
    freeze_clock(page, START)
    page.goto(f"{url}/{locale}/set")
    expect(page.locator(".set-list")).to_contain_text(words["title"])
    shot(page, f"{locale}-list")
    page.locator(".set-list a").first.click()
    page.get_by_role("link", name=words["start_set"]).click()
    lengths = play_grounding(page, locale, rating=2)
    assert lengths[1] == 45
    shot(page, f"{locale}-code-end")
    # The history says which set a run was part of.
    page.goto(f"{url}/{locale}/history")
    expect(page.locator(".history-run-set")).to_have_text(re.compile(words["title"]))
    shot(page, f"{locale}-history")
    assert errors == []
    context.close()
    shared["context"].close()


def shared_runs(therapist: Page) -> int:
    """The runs in the therapist's progress table, over every week it shows."""
    expect(therapist.locator("table.t-weeks")).to_be_visible()
    # One phone shares: the first number of a week's row is its count (a folded gap has none).
    cells = therapist.locator("table.t-weeks tbody tr:not(.t-gap) td:first-of-type")
    return sum(int(cell) for cell in cells.all_inner_texts())


OLD_DATABASE = """async () => {
  // The store as the app before sets left it: version 1, a run and a note.
  await new Promise((resolve, reject) => {
    const open = indexedDB.open('houvast', 1);
    open.onupgradeneeded = () => {
      const db = open.result;
      db.createObjectStore('runs', { keyPath: 'id' }).createIndex('startedAt', 'startedAt');
      db.createObjectStore('notes', { keyPath: 'key' });
    };
    open.onsuccess = () => {
      const tx = open.result.transaction(['runs', 'notes'], 'readwrite');
      tx.objectStore('runs').put({ id: 'old-run', exercise: 'grounding', set: null,
        startedAt: '2026-11-20T08:00:00.000Z', seconds: 200, status: 'completed',
        before: 5, after: 3, notes: {} });
      tx.objectStore('notes').put({ key: 'safe-place', text: 'the dunes', savedAt: 'x' });
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
  });
}"""
RAW_SETS = """async () => new Promise((resolve, reject) => {
  const open = indexedDB.open('houvast');
  open.onsuccess = () => {
    const get = open.result.transaction('sets').objectStore('sets').getAll();
    get.onsuccess = () => { open.result.close(); resolve(get.result); };
    get.onerror = () => reject(get.error);
  };
})"""
STORE = """async ([call, ...args]) => {
  const src = document.querySelector('script[type=module]').src;
  return (await import(new URL('store.js', src)))[call](...args);
}"""


def test_a_kept_set_is_sealed_under_the_pin_and_an_older_store_keeps_its_runs(
    browser: Browser, server: tuple[str, Settings]
) -> None:
    url, settings = server
    words = WORDS["nl"]
    shared = therapist_shares_a_set(browser, url, settings, "nl", "pin")
    context, page, errors = phone(browser, "nl")

    # A phone with the store of an earlier release: upgrading it adds the sets, loses nothing.
    # (The about page never opens the store, so the earlier release's is made there.)
    page.goto(f"{url}/nl/about")
    page.evaluate(OLD_DATABASE)
    page.goto(f"{url}/nl/history")
    expect(page.locator(".history-run")).to_have_count(1)
    assert page.evaluate(STORE, ["getNotes"]) == {"safe-place": "the dunes"}
    page.evaluate(STORE, ["setPin", "2468"])

    # With a PIN, the set is shown without it, and kept sealed once it is given.
    page.goto(shared["link"])
    expect(page.locator("#set-heading")).to_have_text(words["title"])
    page.get_by_role("button", name=words["keep"]).click()
    page.fill("#pin-enter", "2468")
    page.keyboard.press("Enter")
    expect(page.locator("#set-status")).to_contain_text(words["kept"])
    [raw] = page.evaluate(RAW_SETS)
    assert set(raw) == {"id", "sealed"}, "nothing but the id is readable without the PIN"
    assert words["title"] not in str(raw)

    # Home says the sets are there, not what they are; the set page asks for the PIN.
    page.goto(f"{url}/nl/")
    expect(page.locator(".home-sets")).to_contain_text("vergrendeld")
    assert words["title"] not in page.locator(".home-sets").inner_text()
    page.locator(".home-sets a").first.click()
    check_axe(page, "set page asking for the PIN")
    page.fill("#pin-enter", "2468")
    page.keyboard.press("Enter")
    expect(page.locator(".set-list")).to_contain_text(words["title"])
    page.locator(".set-list a").first.click()
    expect(page.locator("#set-heading")).to_have_text(words["title"])

    # The suggested time goes into the reminders in one tap.
    # A reminder can only open the exercise on its own: the page says so.
    expect(page.locator("#set-reminders-hint")).to_contain_text("los van de set")
    page.get_by_role("button", name="Zet deze momenten in mijn herinneringen").click()
    page.wait_for_url(re.compile(r"/nl/reminders"))
    expect(page.locator("#reminder-list li")).to_have_count(1)
    expect(page.locator("#reminder-list")).to_contain_text("20:00")
    assert errors == []
    context.close()
    shared["context"].close()


def test_what_the_person_chose_holds_while_the_network_is_slow_or_gone(
    browser: Browser, server: tuple[str, Settings]
) -> None:
    """A set opened but not kept does not hide the code field later on; a link opened offline
    opens once the phone is online; a Stop tapped while the sharing waited for the server stays
    a Stop: nothing is sent, and the secret that arrived after it is withdrawn."""
    url, settings = server
    locale = "en"
    words = WORDS[locale]
    shared = therapist_shares_a_set(browser, url, settings, locale, "slow")
    context, page, errors = phone(browser, locale)
    page.goto(f"{url}/{locale}/")
    wait_for_worker(page)

    # Opened, not kept, and left: the set page later shows the code field, not that set.
    page.goto(shared["link"])
    expect(page.locator("#set-heading")).to_have_text(words["title"])
    page.goto(f"{url}/{locale}/")
    page.locator(".set-open-link").click()
    expect(page.locator("#set-code")).to_be_visible()
    expect(page.locator("#set-heading")).not_to_have_text(words["title"])

    # The link opened offline waits, and the set opens once the phone is online.
    context.set_offline(True)
    page.goto(shared["link"])
    expect(page.locator("#set-status")).to_contain_text(words["opens_online"])
    assert "#" not in page.url
    context.set_offline(False)
    expect(page.locator("#set-heading")).to_have_text(words["title"])
    # Keeping checks back with the server at once: its answer comes before the phone goes
    # offline below, or the request fails on its way (a console error) on a busy machine.
    with page.expect_response(lambda r: r.request.method == "POST" and "/api/sets/" in r.url):
        page.get_by_role("button", name=words["keep"]).click()
    expect(page.locator("#set-status")).to_contain_text(words["kept"])
    set_id = page.evaluate("new URLSearchParams(location.hash.slice(1)).get('k')")

    # A run of the set, then opting in offline.
    context.set_offline(True)
    page.evaluate(
        STORE,
        [
            "addRun",
            {
                "id": "6f1c1f0e-2d9b-4c55-9a55-2f5d3b1e7a10",
                "exercise": "grounding",
                "set": set_id,
                "startedAt": "2026-11-25T18:30:00.000Z",
                "seconds": 200,
                "status": "completed",
                "before": 6,
                "after": 3,
                "notes": {},
            },
        ],
    )
    page.get_by_role("button", name=words["share"]).click()
    expect(page.locator("#share-state")).to_contain_text(words["waiting"])

    # Online: the request for the secret is held on its way; the person stops meanwhile.
    held: list[Any] = []
    page.route("**/api/sets/progress", lambda route: held.append(route))
    runs: list[str] = []
    page.on("request", lambda r: runs.append(r.url) if r.url.endswith("/progress/runs") else None)
    with page.expect_request(lambda r: r.url.endswith("/api/sets/progress")):
        context.set_offline(False)
    page.get_by_role("button", name=words["stop"]).click()
    expect(page.locator("#set-status")).to_contain_text(words["stopped"])
    # The secret arrives after the Stop: it is withdrawn at once, and nothing is sent.
    with page.expect_response(
        lambda r: r.url.endswith("/api/progress") and r.request.method == "DELETE"
    ) as withdrawn:
        held[0].continue_()
    assert withdrawn.value.status == 204
    page.unroute("**/api/sets/progress")
    page.evaluate(SETS, ["syncSets", set_id])
    assert page.evaluate(SETS, ["keptSet", set_id])["progress"] is None
    assert runs == [], "no run went to the server"
    assert page.evaluate("JSON.parse(localStorage.getItem('houvast.withdrawals') || '[]')") == []
    expect(page.get_by_role("button", name=words["share"])).to_be_visible()
    shared["page"].goto(shared["set_url"] + "/progress")
    expect(shared["page"].locator("#no-progress")).to_contain_text(words["no_progress"])

    # After an exercise, "Next" skips one this app does not know (the set page does too).
    links = page.evaluate("""async () => {
      const src = document.querySelector('script[type=module]').src;
      const { endLinks } = await import(new URL('set-item.js', src));
      const items = [{ exercise: 'grounding' }, { exercise: 'not-here' },
        { exercise: 'grounding' }];
      const end = endLinks({ set: 'x', title: 'T', locale: 'en', items, index: 0, back: '/b' });
      return [...end.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    }""")
    assert "item=2" in links[0] and "not-here" not in links[0], links
    last = page.evaluate("""async () => {
      const src = document.querySelector('script[type=module]').src;
      const { endLinks } = await import(new URL('set-item.js', src));
      const items = [{ exercise: 'grounding' }, { exercise: 'not-here' }];
      const end = endLinks({ set: 'x', title: 'T', locale: 'en', items, index: 0, back: '/b' });
      return [...end.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    }""")
    assert last == ["/b"], last

    # Forgot the PIN, starting fresh: the sets go, what they shared can still be withdrawn.
    page.evaluate("localStorage.setItem('houvast.shared-secrets', JSON.stringify(['a-secret']))")
    page.evaluate(STORE, ["startFresh"])
    assert page.evaluate(SETS, ["keptSets"]) == []
    assert page.evaluate("JSON.parse(localStorage.getItem('houvast.withdrawals'))") == ["a-secret"]
    assert page.evaluate(SHARED_SECRETS) == []
    assert errors == []
    context.close()
    shared["context"].close()
