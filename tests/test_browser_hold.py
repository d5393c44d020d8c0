"""A leader and an employee on one tablet: plan a MUS, prepare on both sides, hold it,
agree two goals, both sign, export the agreement; and a TUS with the team's cards."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser import (
    PHONE,
    TABLET,
    AppServer,
    Browser,
    screenshot,
    tap,
    type_into,
    type_into_field,
)
from tests.clock import TODAY

pytestmark = pytest.mark.browser

PIN = "123456"


def unlock(page: Any, symbol: str, name: str) -> None:
    page.get_by_role("button", name=f"Profil: {symbol}").click()
    type_into(page, "PIN-kode", PIN, exact=True)
    page.get_by_role("button", name="Lås op").click()
    expect(page.get_by_text(f"Hej {name}")).to_be_visible(timeout=20_000)


def synced(page: Any) -> None:
    """A sync made now: waits out one the app started by itself, then asks for one."""
    button = page.get_by_role("button", name="Synkroniser nu")
    expect(button).to_be_enabled(timeout=30_000)
    button.click()
    expect(page.get_by_text(re.compile(r"Synkroniseret kl\. \d\d\.\d\d"))).to_be_visible(
        timeout=20_000)


def lock(page: Any) -> None:
    page.get_by_role("button", name="Lås", exact=True).click()
    expect(page.get_by_role("button", name="Profil: Båd")).to_be_visible(timeout=15_000)


def download(page: Any, button: str, folder: Path) -> Path:
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name=button).click()
    target: Path = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pages_as_png(pdf: Path, stem: Path) -> list[Path]:
    """The PDF as a person sees it: one PNG per page (poppler's pdftoppm)."""
    tool = shutil.which("pdftoppm")
    assert tool, "pdftoppm (poppler-utils) is needed to look at the PDFs"
    subprocess.run([tool, "-png", "-r", "60", str(pdf), str(stem)], check=True)
    return sorted(stem.parent.glob(f"{stem.name}*.png"))


def next_step(page: Any, to: int, of: int) -> None:
    """Steps forward one at a time, each step shown before the next tap."""
    shown = page.get_by_text(re.compile(r"^(\d+) af \d+: ")).first.inner_text()
    for step in range(int(shown.split()[0]) + 1, to + 1):
        page.get_by_role("button", name="Næste").click()
        expect(page.get_by_text(re.compile(rf"^{step} af {of}: "))).to_be_visible()


def choose(page: Any, dropdown: int, option: str) -> None:
    """Opens the ``dropdown``-th dropdown on screen (Flutter leaves a closed one
    unnamed) and taps ``option``; waits until the list has closed again."""
    page.locator("[aria-expanded]").nth(dropdown).click()
    page.get_by_role("button", name=option, exact=True).last.click()
    expect(page.locator("[aria-expanded='true']")).to_have_count(0)


def danish(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def test_a_leader_and_an_employee_hold_a_mus_and_both_sign_on_one_tablet(
    browser: Browser, app_server: AppServer, artifacts: Path, tmp_path: Path
) -> None:
    day = TODAY + dt.timedelta(days=7)
    with browser.page(app_server.url, TABLET) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        lock(page)

        # Mette plans Anna's MUS and takes the invitation with her.
        unlock(page, "Hjerte", "Mette Holm")
        page.get_by_role("button", name="Planlæg en samtale", exact=True).click()
        anna = page.get_by_role("checkbox", name="Anna Sørensen")
        anna.click()
        expect(anna).to_be_checked()
        type_into(page, "Dato", danish(day), exact=True)
        type_into(page, "Klokken", "9:30")
        screenshot(page, artifacts / "tablet-20-plan.png")
        page.get_by_role("button", name="Planlæg og lav invitation").click()
        expect(page.get_by_role("textbox", name="Invitationens tekst")).to_be_visible()
        ics = download(page, "Hent kalenderfil (.ics)", tmp_path)
        assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR")
        sheet = download(page, "Hent spørgeskema (PDF)", tmp_path)
        assert "Spørgsmålsark" in pdf_text(sheet)
        screenshot(page, artifacts / "tablet-21-invitation.png")
        page.get_by_role("button", name="Til samtalen").click()
        expect(page.get_by_role("button", name="Hold samtalen")).to_be_visible()
        page.get_by_role("button", name="Forbered dig").click()
        type_into(page, "Svar på spørgsmål 1", "Anna tager ansvar for hjælpemidlerne.")
        expect(page.get_by_text(re.compile(r"Gemt \d\d\.\d\d"))).to_be_visible(timeout=10_000)
        page.get_by_role("button", name="Gem og gå til oversigten", exact=True).click()
        synced(page)
        lock(page)

        # Anna prepares and shares with Mette.
        unlock(page, "Båd", "Anna Sørensen")
        synced(page)
        page.get_by_role("button", name=re.compile(r"^MUS med Mette Holm .*09\.30")).click()
        type_into(page, "Svar på spørgsmål 1", "Jeg vil gerne lære mere om forflytning.")
        next_step(page, 4, 4)
        page.get_by_role("switch", name="Del min forberedelse med Mette Holm").click()
        expect(page.get_by_text(re.compile("^Klar til at sende"))).to_be_visible()
        page.get_by_role("button", name="Færdig").click()
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible()
        synced(page)
        lock(page)

        # Mette holds the conversation: Anna's words beside her own, minutes, two goals.
        unlock(page, "Hjerte", "Mette Holm")
        synced(page)
        card = page.get_by_role("button", name=re.compile(r"^MUS med Anna Sørensen .*09\.30"))
        shared = "Anna Sørensen har delt sin forberedelse med dig"
        for _ in range(3):  # as a person would: sync again if Anna's copy is not here yet
            try:
                expect(card).to_contain_text(shared, timeout=10_000)
                break
            except AssertionError:
                synced(page)
        expect(card).to_contain_text(shared)
        expect(card).to_contain_text("Din forberedelse: 1 af")
        screenshot(page, artifacts / "tablet-21b-home-anna-has-shared.png")
        card.click()
        expect(page.get_by_text("Anna Sørensen har delt sin forberedelse med dig")).to_be_visible()
        page.get_by_role("button", name="Hold samtalen").click()
        expect(page.get_by_text("Jeg vil gerne lære mere om forflytning.")).to_be_visible()
        expect(page.get_by_text("Anna tager ansvar for hjælpemidlerne.")).to_be_visible()
        minutes = page.get_by_role("textbox", name=re.compile("^Referat – "))
        type_into_field(page, minutes, "Vi talte om “forflytning” – og om lifte.")
        screenshot(page, artifacts / "tablet-22-hold-side-by-side.png")
        next_step(page, 4, 5)
        type_into(page, "Mål 1: hvad vil I opnå?", "Kursus i forflytning")
        type_into(page, "Frist for mål 1", danish(day + dt.timedelta(days=90)))
        page.get_by_role("button", name="Gem målene").click()
        expect(page.get_by_text("Vælg et tema for mål 1.")).to_be_visible()
        theme = "Udviklingsområder – status og fremadrettet"
        choose(page, 0, theme)
        choose(page, 1, "Kursus eller uddannelse")
        page.get_by_role("button", name="Tilføj mål").click()
        type_into(page, "Mål 2: hvad vil I opnå?", "Sidemandsoplæring med Fatima")
        type_into(page, "Frist for mål 2", danish(day + dt.timedelta(days=60)))
        choose(page, 3, theme)
        choose(page, 4, "Sidemandsoplæring")
        page.get_by_role("checkbox", name="Mål 1 godkendt af lederen").click()
        page.get_by_role("button", name="Gem målene").click()
        expect(page.get_by_text("2 mål gemt")).to_be_visible()
        screenshot(page, artifacts / "tablet-23-agreement-builder.png")
        next_step(page, 5, 5)
        page.get_by_role("button", name="Afslut samtalen").click()

        # Goal 2 is not approved yet: nobody signs until the leader has approved it.
        expect(page.get_by_text(re.compile("^Lederen skal godkende mål 2, før"))).to_be_visible()
        expect(page.get_by_role("button", name="Underskriv som Mette Holm")).to_be_disabled()
        screenshot(page, artifacts / "tablet-23b-agreement-awaits-approval.png")
        page.get_by_role("button", name="Tilbage", exact=True).click()
        page.get_by_role("button", name="Åbn referat og aftale").click()
        next_step(page, 4, 5)
        page.get_by_role("checkbox", name="Mål 2 godkendt af lederen").click()
        page.get_by_role("button", name="Gem målene").click()
        expect(page.get_by_text("2 mål gemt")).to_be_visible()
        next_step(page, 5, 5)
        page.get_by_role("button", name="Afslut samtalen").click()

        # Both sign on this tablet: Mette, then Anna with her own profile and PIN.
        page.get_by_role("button", name="Underskriv som Mette Holm").click()
        expect(page.get_by_text("Afventer underskrift fra Anna Sørensen")).to_be_visible()
        page.get_by_role("button", name="Anna Sørensen underskriver her på enheden").click()
        page.get_by_role("button", name="Profil: Båd").click()
        type_into(page, "PIN-kode", PIN, exact=True)
        page.get_by_role("button", name="Underskriv", exact=True).click()
        expect(page.get_by_text("Underskrevet af begge")).to_be_visible(timeout=20_000)
        screenshot(page, artifacts / "tablet-24-signed-by-both.png")
        agreement = download(page, "Hent udviklingsaftalen (PDF)", tmp_path)
        text = pdf_text(agreement)
        for expected in ("Kursus i forflytning", "Sidemandsoplæring med Fatima",
                         "Anna Sørensen", "Mette Holm", "Underskrevet", "Sidemandsoplæring",
                         "Kursus eller uddannelse"):
            assert expected in text, expected
        assert "Afventer underskrift" not in text
        pngs = pages_as_png(agreement, artifacts / "pdf-agreement")
        assert pngs
        synced(page)  # Mette sees the signed agreement go out before she leaves

    with browser.page(app_server.url, PHONE) as page:
        unlock(page, "Båd", "Anna Sørensen")
        synced(page)
        card = page.get_by_role("button", name=re.compile(r"^MUS med Mette Holm .*09\.30"))
        expect(card).to_contain_text("aftale indgået")
        screenshot(page, artifacts / "phone-20-home-after-agreement.png")


def test_a_team_draws_a_dialog_card_reads_an_exercise_and_makes_a_team_plan(
    browser: Browser, app_server: AppServer, artifacts: Path, tmp_path: Path
) -> None:
    with browser.page(app_server.url, PHONE) as page:
        tap(page.get_by_role("button", name="Prøv med demodata"))
        expect(page.get_by_text("Hej Anna Sørensen")).to_be_visible(timeout=30_000)
        lock(page)
        unlock(page, "Hjerte", "Mette Holm")
        page.get_by_role("button", name=re.compile(r"^TUS med ")).click()
        page.get_by_role("button", name="Hold samtalen").click()
        expect(page.get_by_text(re.compile("^Spillereglerne gælder"))).to_be_visible()
        screenshot(page, artifacts / "phone-21-team-rules.png")
        page.get_by_role("checkbox", name="Samtalehjulet").click()
        page.get_by_role("button", name="Træk et dialogkort").click()
        page.get_by_role("button", name="Talt igennem").click()
        expect(page.get_by_text(re.compile(r"^1 af \d+ dialogkort talt igennem"))).to_be_visible()
        screenshot(page, artifacts / "phone-22-team-card.png")
        page.get_by_role("checkbox", name="Øvelser").click()
        page.get_by_role("button", name=re.compile("^Tjek ind")).click()
        expect(page.get_by_text(re.compile("^Gå en runde"))).to_be_visible()
        screenshot(page, artifacts / "phone-23-team-exercise.png")
        page.get_by_role("checkbox", name="Teamplan").click()
        type_into(page, "Hvad vil teamet gøre?", "Fast sparring om forflytning hver tirsdag")
        type_into(page, "Frist for handlingen",
                  danish(TODAY + dt.timedelta(days=30)))
        page.get_by_role("button", name="Tilføj handling").click()
        expect(page.get_by_role("button", name=re.compile(
            "^Fjern handlingen »Fast sparring om forflytning hver tirsdag«"))).to_be_visible()
        screenshot(page, artifacts / "phone-24-team-plan.png")
        page.get_by_role("checkbox", name="Opsummering").click()
        page.get_by_role("button", name="Start 15 minutters opsummering").click()
        expect(page.get_by_text(re.compile(r"^14:[0-5]\d$"))).to_be_visible()
        page.get_by_role("button", name="Afslut samtalen").click()
        expect(page.get_by_text("Samtalen er afsluttet og gemt.")).to_be_visible()
        plan = download(page, "Hent teamudviklingsplan (PDF)", tmp_path)
        assert "Fast sparring om forflytning hver tirsdag" in pdf_text(plan)
        assert pages_as_png(plan, artifacts / "pdf-team-plan")
