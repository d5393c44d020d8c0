"""The wheel and the unit's year plan in Chromium at tablet size: Mette holds the team's
TUS on the drawn wheel — picks up a card and lays it on a field by tapping the wheel —
agrees an action in the team plan, then gathers it into the unit's year plan, adds a
priority for the whole unit, shares it and downloads it as a PDF. On a phone the wheel
stays a list."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, TABLET, AppServer, Browser, screenshot, tap, type_into
from tests.clock import TODAY
from tests.test_browser_hold import danish, download, lock, pages_as_png, pdf_text, unlock

pytestmark = pytest.mark.browser

TEAM_ACTION = "Fast sparring om forflytning hver tirsdag"


def hold_the_tus(page: Any) -> None:
    page.get_by_role("button", name=re.compile(r"^TUS med ")).click()
    page.get_by_role("button", name="Hold samtalen").click()
    expect(page.get_by_text(re.compile("^Spillereglerne gælder"))).to_be_visible()
    page.get_by_role("checkbox", name="Samtalehjulet").click()


def tap_on_field(page: Any, field: str) -> None:
    """Taps the drawn wheel where the field's name is written, as a finger would."""
    name = page.get_by_text(re.compile(rf"^Feltet {field} på samtalehjulet"))
    box = name.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_leader_lays_a_card_on_the_drawn_wheel_and_gathers_the_unit_year_plan(
    browser: Browser, app_server: AppServer, artifacts: Path, tmp_path: Path,
) -> None:
    with browser.page(app_server.url, TABLET) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        lock(page)
        unlock(page, "Hjerte", "Mette Holm")
        hold_the_tus(page)
        expect(page.get_by_text("Feltet Faglighed på samtalehjulet, 0 kort")).to_be_visible()
        screenshot(page, artifacts / "tablet-40-wheel.png")

        page.get_by_role("button", name=re.compile("Hvordan hjælper vi hinanden")).click()
        expect(page.get_by_role("group", name=re.compile("^Kort 4 er taget op"))).to_be_visible()
        tap_on_field(page, "Faglighed")
        expect(page.get_by_text("Feltet Faglighed på samtalehjulet, 1 kort")).to_be_visible()
        expect(page.get_by_text(re.compile("^Kort 4 på Faglighed: "))).to_be_visible()
        screenshot(page, artifacts / "tablet-41-wheel-card-laid.png")

        # The team agrees an action, and the conversation is closed.
        page.get_by_role("checkbox", name="Teamplan").click()
        type_into(page, "Hvad vil teamet gøre?", TEAM_ACTION)
        type_into(page, "Frist for handlingen", danish(TODAY + dt.timedelta(days=60)))
        page.get_by_role("button", name="Tilføj handling").click()
        expect(page.get_by_role("button", name=f"Fjern handlingen »{TEAM_ACTION}«",
                                exact=True)).to_be_visible()
        page.get_by_role("checkbox", name="Opsummering").click()
        page.get_by_role("button", name="Afslut samtalen").click()
        expect(page.get_by_text("Samtalen er afsluttet og gemt.")).to_be_visible()
        page.get_by_role("button", name="Tilbage", exact=True).click()
        expect(page.get_by_text("Hej Mette Holm")).to_be_visible()

        # The leader gathers it into the unit's year plan.
        page.get_by_role("button", name="Enhedens årsplan").click()
        expect(page.get_by_text(re.compile("^Kladde – kun du kan se den"))).to_be_visible()
        page.get_by_role("button", name=f"Tag »{TEAM_ACTION}« med i årsplanen", exact=True).click()
        expect(page.get_by_text("Alle teamenes handlinger er med i årsplanen.")).to_be_visible()
        type_into(page, "Ny prioritet for hele enheden", "Færre sygedage i hele enheden")
        page.get_by_role("button", name="Tilføj prioritet").click()
        expect(page.get_by_text("1. Færre sygedage i hele enheden")).to_be_visible()
        page.get_by_role("button", name="Del med enheden").click()
        expect(page.get_by_text(
            "Årsplanen sendes til alle i enheden ved næste synkronisering.")).to_be_visible()
        expect(page.get_by_text("Delt med alle i enheden.")).to_be_visible()
        screenshot(page, artifacts / "tablet-42-unit-plan.png")
        plan = download(page, "Hent årsplanen (PDF)", tmp_path)
        text = pdf_text(plan)
        for words in ("Enhedens årsplan", "Færre sygedage i hele enheden", "Hjemmeplejen Nord",
                      TEAM_ACTION):
            assert words in text, words
        assert pages_as_png(plan, artifacts / "pdf-unit-plan-browser")


def test_on_a_phone_the_year_plan_opens_and_the_wheel_stays_a_list(
    browser: Browser, app_server: AppServer, artifacts: Path,
) -> None:
    with browser.page(app_server.url, PHONE) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        lock(page)
        unlock(page, "Hjerte", "Mette Holm")
        page.get_by_role("button", name="Enhedens årsplan").click()
        expect(page.get_by_text(
            "Ingen holdte TUS- eller GRUS-samtaler med en teamplan endnu.")).to_be_visible()
        screenshot(page, artifacts / "phone-41-unit-plan-empty.png")
        page.get_by_role("button", name="Tilbage", exact=True).click()
        expect(page.get_by_text("Hej Mette Holm")).to_be_visible()
        hold_the_tus(page)
        expect(page.get_by_role("button", name="Træk et kort fra Faglighed")).to_be_visible()
        expect(page.get_by_text(re.compile("^Feltet Faglighed på samtalehjulet"))).to_have_count(0)
        screenshot(page, artifacts / "phone-40-wheel-list.png")
