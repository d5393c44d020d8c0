"""Adding a device with the code, as a person does it on two phones: two app instances
with their own data folders on one share, in two pages of a real Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from conversations.demo import DEMO_PIN
from resources.library import load_library
from services.app import AppSession
from storage import Device, KdfParams
from tests.browser import (
    PHONE,
    TABLET,
    AppServer,
    Browser,
    painted,
    screenshot,
    tap,
    type_into,
)
from tests.clock import day_clock

pytestmark = pytest.mark.browser

CODE = re.compile(r"Kode til den nye enhed: ((?:[0-9A-Z] ){4}- (?:[0-9A-Z] ){3}[0-9A-Z])")
DIGITS = re.compile(r"Kontroltal: (\d{3} \d{3})")
NEW_PIN = "135790"


def still_screenshot(page: Any, path: Path) -> None:
    """A screenshot once the screen has stopped moving (a dialog fades in on the canvas
    after its text is already in the accessibility tree): two alike in a row."""
    before = b""
    for _ in range(40):
        painted(page)
        now = page.screenshot()
        if now == before:
            break
        before = now
    path.write_bytes(before)


def read_out(page: Any, pattern: re.Pattern[str]) -> str:
    """What a screen reader reads out for the part of the screen matching ``pattern``
    (its first group): the code letter by letter, the six digits."""
    element = page.get_by_text(pattern).first
    expect(element).to_be_visible(timeout=60_000)
    found = pattern.search(element.inner_text())
    assert found is not None
    return found.group(1)


def test_a_second_phone_is_added_with_the_code_and_the_same_six_digits(
    browser: Browser, tmp_path: Path, artifacts: Path
) -> None:
    old_data, new_data = tmp_path / "old-phone", tmp_path / "new-phone"
    session = AppSession(Device(old_data, kdf=KdfParams.FAST_FOR_TESTS), load_library(),
                         clock=day_clock())
    session.create_demo()
    share = session.default_share()
    session.lock()
    old_app, new_app = AppServer(old_data), AppServer(new_data)
    old_app.start()
    new_app.start()
    try:
        with browser.page(old_app.url, PHONE) as old, browser.page(new_app.url, PHONE) as new:
            # The person looks at one phone at a time; a page in the background gets
            # no frames, so the test brings the one it uses to the front.
            old.bring_to_front()
            tap(old.get_by_role("button", name=re.compile("^Profil: Båd")))
            type_into(old, "PIN-kode", DEMO_PIN, exact=True)
            tap(old.get_by_role("button", name="Lås op"))
            expect(old.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
            tap(old.get_by_role("button", name="Indstillinger", exact=True))
            tap(old.get_by_role("button", name="Mine enheder"))
            expect(old.get_by_text("Min første enhed (denne enhed)")).to_be_visible()
            tap(old.get_by_role("button", name="Tilføj enhed"))
            code = read_out(old, CODE).replace(" ", "")
            assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
            expect(old.get_by_text("Venter på, at den nye enhed melder sig …")).to_be_visible()
            screenshot(old, artifacts / "phone-devices-1-code.png")

            new.bring_to_front()
            tap(new.get_by_role("button", name="Jeg bruger allerede Samtale"))
            type_into(new, "Mappe eller smb://server/share/mappe", share)
            type_into(new, "Kode fra din anden enhed", code)
            type_into(new, "Navn på denne enhed (fx Telefon)", "Ny telefon")
            tap(new.get_by_role("button", name="Forbind"))
            digits_new = read_out(new, DIGITS)
            expect(new.get_by_text("Venter på din anden enhed …")).to_be_visible()
            screenshot(new, artifacts / "phone-devices-2-new-digits.png")

            old.bring_to_front()
            digits_old = read_out(old, DIGITS)
            assert digits_old == digits_new
            expect(old.get_by_text(re.compile("^»Ny telefon« har meldt sig"))).to_be_visible()
            screenshot(old, artifacts / "phone-devices-3-old-digits.png")
            tap(old.get_by_role("button", name=re.compile("^Tallene er ens – send")))
            expect(old.get_by_text(re.compile("^Sendt til »Ny telefon«"))).to_be_visible(
                timeout=30_000)

            new.bring_to_front()
            expect(new.get_by_text(re.compile("^Profilen for Anna Sørensen er modtaget og "
                                              "kontrolleret"))
                   ).to_be_visible(timeout=30_000)
            type_into(new, "PIN-kode", NEW_PIN, exact=True)
            type_into(new, "Gentag PIN-kode", NEW_PIN)
            screenshot(new, artifacts / "phone-devices-4-new-pin.png")
            tap(new.get_by_role("button", name="Gem og åbn"))
            expect(new.get_by_role("heading", name="Din gendannelseskode")).to_be_visible(
                timeout=60_000)
            tap(new.get_by_role("checkbox", name="Jeg har skrevet koden ned"))
            tap(new.get_by_role("button", name="Fortsæt"))
            expect(new.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
            screenshot(new, artifacts / "phone-devices-5-new-home.png")
            old.bring_to_front()
            tap(old.get_by_role("button", name="Tilbage", exact=True))
            tap(old.get_by_role("button", name="Mine enheder"))
            expect(old.get_by_role("group", name=re.compile("Ny telefon Tilføjet"))).to_be_visible()
            screenshot(old, artifacts / "phone-devices-6-old-list.png")
            old.set_viewport_size(TABLET)
            expect(old.get_by_role("button", name="Tilføj enhed")).to_be_visible()
            screenshot(old, artifacts / "tablet-devices-7-list.png")
    except AssertionError:
        print(old_app.output()[-3000:])
        raise
    finally:
        old_app.stop()
        new_app.stop()
    assert not [p for p in (Path(share) / "pairing").rglob("*") if p.is_file()]


def test_a_lost_device_is_reported_and_hr_reads_what_approving_does(
    browser: Browser, tmp_path: Path, artifacts: Path
) -> None:
    data = tmp_path / "phone"
    session = AppSession(Device(data, kdf=KdfParams.FAST_FOR_TESTS), load_library(),
                         clock=day_clock())
    session.create_demo()
    session.devices.record("ab" * 16, "Tablet")
    session.lock()
    app = AppServer(data)
    app.start()
    try:
        with browser.page(app.url, PHONE) as page:
            tap(page.get_by_role("button", name=re.compile("^Profil: Båd")))
            type_into(page, "PIN-kode", DEMO_PIN, exact=True)
            tap(page.get_by_role("button", name="Lås op"))
            expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
            tap(page.get_by_role("button", name="Indstillinger", exact=True))
            tap(page.get_by_role("button", name="Mine enheder"))
            tap(page.get_by_role("button", name="Meld Tablet tabt"))
            expect(page.get_by_text(re.compile("Dine øvrige enheder skal tilføjes igen"))
                   ).to_be_visible()
            still_screenshot(page, artifacts / "phone-devices-8-lost-dialog.png")
            tap(page.get_by_role("button", name="Meld Tablet tabt").last)
            expect(page.get_by_text(re.compile("^»Tablet« er meldt tabt"))).to_be_visible(
                timeout=30_000)
            screenshot(page, artifacts / "phone-devices-9-lost-reported.png")
            tap(page.get_by_role("button", name="Tilbage", exact=True))
            tap(page.get_by_role("button", name="Tilbage", exact=True))
            tap(page.get_by_role("button", name="Lås", exact=True))
            tap(page.get_by_role("button", name=re.compile("^Profil: Sol")))
            type_into(page, "PIN-kode", DEMO_PIN, exact=True)
            tap(page.get_by_role("button", name="Lås op"))
            expect(page.get_by_text("Hej Henrik Lund")).to_be_visible(timeout=30_000)
            tap(page.get_by_role("button", name="Indstillinger", exact=True))
            tap(page.get_by_role("button", name="Organisation"))
            expect(page.get_by_role("group", name=re.compile(
                "Godkendelse ERSTATTER Anna Sørensens nøgler og lukker alle personens andre "
                "enheder ude"))).to_be_visible(timeout=30_000)
            screenshot(page, artifacts / "phone-devices-10-hr-warning.png")
    finally:
        app.stop()
