"""The leader's and HR's desks in Chromium: the leader plans the year for the team, a
follow-up goes overdue (the date set with --today), a reminder reaches the employee; HR
opens the competence heatmap and creates a course from a gap."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, TABLET, AppServer, Browser, screenshot, tap, type_into
from tests.clock import TODAY
from tests.test_browser_hold import lock, synced, unlock

pytestmark = pytest.mark.browser


def test_a_leader_plans_the_year_sees_a_follow_up_go_overdue_and_reminds(
    browser: Browser, app_server: AppServer, artifacts: Path
) -> None:
    next_year = TODAY.year + 1
    with browser.page(app_server.url, TABLET) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        lock(page)
        unlock(page, "Hjerte", "Mette Holm")
        page.get_by_role("button", name="Årshjul og status").click()
        expect(page.get_by_text("Status pr. medarbejder")).to_be_visible()
        page.get_by_role("button", name=f"Næste år ({next_year})", exact=True).click()
        expect(page.get_by_text(str(next_year), exact=True)).to_be_visible()
        page.get_by_role("button", name="Vis forslag").click()
        page.get_by_role("button", name="Planlæg alle (4)").click()
        expect(page.get_by_text("4 samtaler er planlagt.")).to_be_visible(timeout=20_000)
        expect(page.get_by_role("button", name=re.compile(
            "^Åbn Anna Sørensens samtale.*Opfølgning snart"))).to_be_visible()
        screenshot(page, artifacts / "tablet-30-year-planned.png")
        synced(page)

    # A month later the demo's follow-up (due in ten days) is overdue.
    app_server.extra = ["--today", (TODAY + dt.timedelta(days=30)).isoformat()]
    app_server.restart()
    with browser.page(app_server.url, PHONE) as page:
        unlock(page, "Hjerte", "Mette Holm")
        page.get_by_role("button", name="Årshjul og status").click()
        expect(page.get_by_text("1 opfølgning kræver handling")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile(
            "^Åbn Anna Sørensens samtale.*Opfølgning forsinket"))).to_be_visible()
        screenshot(page, artifacts / "phone-30-board-overdue.png")
        page.get_by_role("button", name="Send påmindelse til Anna Sørensen").click()
        expect(page.get_by_text("Påmindelsen til Anna Sørensen sendes ved næste "
                                "synkronisering.")).to_be_visible()
        page.get_by_role("button", name="Tilbage", exact=True).click()
        expect(page.get_by_text("Hej Mette Holm")).to_be_visible()
        synced(page)
        lock(page)
        unlock(page, "Båd", "Anna Sørensen")
        synced(page)
        expect(page.get_by_role("button", name=re.compile(
            "Påmindelse fra Mette Holm: Husk opfølgningen"))).to_be_visible()
        screenshot(page, artifacts / "phone-31-reminder-on-home.png")


def test_hr_opens_the_heatmap_and_creates_a_course_from_a_gap(
    browser: Browser, app_server: AppServer, artifacts: Path
) -> None:
    with browser.page(app_server.url, PHONE) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        lock(page)
        unlock(page, "Sol", "Henrik Lund")
        page.get_by_role("button", name="Kompetencer").click()
        expect(page.get_by_text("Kompetenceoverblik").first).to_be_visible()
        screenshot(page, artifacts / "phone-32-heatmap.png")
    with browser.page(app_server.url, TABLET) as page:
        unlock(page, "Sol", "Henrik Lund")
        page.get_by_role("button", name="Kompetencer").click()
        gap = page.get_by_role("button", name=re.compile(
            r"gennemsnit [12][,.]\d af 5, forventet [345]")).first
        expect(gap).to_be_visible()
        screenshot(page, artifacts / "tablet-32-heatmap.png")
        gap.click()
        expect(page.get_by_role("textbox", name="Kursets titel")).to_be_visible()
        type_into(page, "Kursets titel", "Forflytning i praksis", exact=True)
        screenshot(page, artifacts / "tablet-33-new-course.png")
        page.get_by_role("button", name="Opret kursus").click()
        expect(page.get_by_text(re.compile("^Kurset »Forflytning i praksis« er oprettet"))
               ).to_be_visible(timeout=20_000)
        expect(page.get_by_text(re.compile("^Forflytning i praksis")).first).to_be_visible()
        screenshot(page, artifacts / "tablet-34-catalogue.png")


def test_med_sees_only_hidden_numbers_for_a_small_team_and_a_person_finds_their_data(
    browser: Browser, app_server: AppServer, artifacts: Path, tmp_path: Path
) -> None:
    import zipfile

    from tests.test_browser_hold import download

    with browser.page(app_server.url, TABLET) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Mine data").click()
        expect(page.get_by_text("Mine data og sletning").first).to_be_visible()
        screenshot(page, artifacts / "tablet-35-my-data.png")
        archive = download(page, "Hent mine data (ZIP)", tmp_path)
        with zipfile.ZipFile(archive) as opened:
            assert "data.json" in opened.namelist()
        page.get_by_role("button", name="Tilbage", exact=True).click()
        lock(page)
    with browser.page(app_server.url, PHONE) as page:
        unlock(page, "Sol", "Henrik Lund")
        page.get_by_role("button", name="MED-tendenser").click()
        expect(page.get_by_text("MED: kompetencer i tal").first).to_be_visible()
        page.locator("[aria-expanded]").first.click()  # the year: last year has ratings
        page.get_by_role("button", name=str(TODAY.year - 1), exact=True).click()
        expect(page.get_by_text("Hjemmeplejen Nord Skjult").first).to_be_visible()
        expect(page.get_by_text(re.compile(r"^Alle tal for \d{4} er skjult"))).to_be_visible()
        screenshot(page, artifacts / "phone-35-med.png")
