"""A person's first preparation, end to end in Chromium, and what is left on disk."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import (
    PHONE,
    TABLET,
    AppServer,
    Browser,
    expect_field_holds,
    screenshot,
    type_into,
    type_into_field,
)
from tests.clock import TODAY

pytestmark = pytest.mark.browser

NAME = "Birgitte Testesen"
LEADER = "Merete Prøvelund"
PIN = "246810"
ANSWER_ONE = "Jeg har haft ansvar for genoptræning af borgere efter hofteoperation"
ANSWER_TWO = "Samarbejdet med sygeplejerskerne om medicin fungerer rigtig godt"


def wait_saved(page: Page) -> None:
    expect(page.get_by_text(re.compile(r"Gemt \d\d\.\d\d"))).to_be_visible(timeout=10_000)


def create_profile(page: Page, artifacts: Path) -> str:
    page.get_by_role("button", name="Opret profil").click()
    type_into(page, "Dit navn", NAME)
    page.get_by_role("button", name="Symbol: Båd", exact=True).click()
    type_into(page, "PIN-kode", PIN, exact=True)
    type_into(page, "Gentag PIN-kode", PIN)
    screenshot(page, artifacts / "phone-01-create-profile.png")
    page.get_by_role("button", name="Opret profil").click()
    shown = page.get_by_text(re.compile(r"Gendannelseskode: [A-Z0-9]{4}-"))
    expect(shown).to_be_visible(timeout=20_000)
    found = re.search(r"Gendannelseskode: ([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3,})", shown.inner_text())
    assert found, "the recovery code is shown in groups of four"
    code = found.group(1)
    screenshot(page, artifacts / "phone-02-recovery-code.png")
    continue_button = page.get_by_role("button", name="Fortsæt")
    expect(continue_button).to_be_disabled()
    page.get_by_role("checkbox", name="Jeg har skrevet koden ned").click()
    continue_button.click()
    return code


def start_mus(page: Page) -> None:
    expect(page.get_by_text(f"Hej {NAME}")).to_be_visible()
    page.get_by_role("button", name="Ny samtale", exact=True).click()
    type_into(page, "Din leders navn", LEADER)
    planned = TODAY + dt.timedelta(days=14)
    type_into(page, "Dato for samtalen", planned.strftime("%d-%m-%Y"))
    page.get_by_role("button", name="Opret og forbered").click()
    expect(page.get_by_text(re.compile(r"1 af \d+: "))).to_be_visible()


def test_a_new_person_prepares_a_mus_and_finds_it_again_after_a_restart(
    browser: Browser, app_server: AppServer, artifacts: Path
) -> None:
    with browser.page(app_server.url, PHONE) as page:
        expect(page.get_by_role("button", name="Opret profil")).to_be_visible(timeout=30_000)
        screenshot(page, artifacts / "phone-00-welcome.png")
        code = create_profile(page, artifacts)
        start_mus(page)
        type_into_field(page, page.get_by_role("textbox").first, ANSWER_ONE)
        wait_saved(page)
        screenshot(page, artifacts / "phone-03-prepare-theme-1.png")
        page.get_by_role("button", name="Næste").click()
        expect(page.get_by_text(re.compile(r"2 af \d+: "))).to_be_visible()
        second_field = page.get_by_role("textbox").first
        second_name = second_field.get_attribute("aria-label")
        type_into_field(page, second_field, ANSWER_TWO)
        page.get_by_role("button", name="Næste").click()  # leaving the theme saves at once
        expect(page.get_by_text(re.compile(r"3 af \d+: "))).to_be_visible()
        screenshot(page, artifacts / "phone-04-prepare-theme-3.png")

    assert code, "the recovery code was shown"
    app_server.restart()

    with browser.page(app_server.url, TABLET) as page:
        expect(page.get_by_text("Vælg din profil")).to_be_visible(timeout=30_000)
        screenshot(page, artifacts / "tablet-01-unlock.png")
        type_into(page, "PIN-kode", "000000", exact=True)
        page.get_by_role("button", name="Lås op").click()
        expect(page.get_by_text("Forkert PIN-kode – prøv igen.")).to_be_visible(timeout=20_000)
        type_into(page, "PIN-kode", PIN, exact=True)
        page.get_by_role("button", name="Lås op").click()
        card = page.get_by_role("button", name=re.compile(f"^MUS med {LEADER} "))
        expect(card).to_be_visible(timeout=20_000)
        progress = page.get_by_role("button", name=re.compile(r"2 af \d+ besvaret"))
        expect(progress).to_be_visible()
        screenshot(page, artifacts / "tablet-02-home.png")
        card.click()
        answer = page.get_by_role("textbox", name="Svar på spørgsmål 1")
        expect_field_holds(page, answer, ANSWER_ONE)
        screenshot(page, artifacts / "tablet-03-prepare.png")
        page.get_by_role("button", name="Næste").click()
        expect(page.get_by_text(re.compile(r"2 af \d+: "))).to_be_visible()
        second = page.get_by_role("textbox", name=second_name, exact=True)
        expect_field_holds(page, second, ANSWER_TWO)

    secrets = [ANSWER_ONE, ANSWER_TWO, NAME, LEADER, code, "Birgitte", "Prøvelund"]
    assert_nothing_readable(app_server.data, secrets)


def assert_nothing_readable(root: Path, secrets: list[str]) -> None:
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files, "the app wrote its data under the data folder"
    for path in files:
        blob = path.read_bytes()
        for secret in secrets:
            for form in {secret.encode(), secret.encode("unicode_escape"),
                         secret.encode("utf-16-le"), secret.lower().encode()}:
                assert form not in blob, f"{secret!r} readable in {path.relative_to(root)}"
        assert secrets[2].split()[0].encode() not in path.name.encode()
