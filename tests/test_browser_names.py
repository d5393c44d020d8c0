"""Every screen of the demo on a phone, as a screen reader meets it: each button,
checkbox, radio, dropdown and text field has a name, and no two controls of one role
share a name. Walked as the therapist Anna, the leader Mette and Henrik from HR."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.accessibility import problems
from tests.app_fixtures import DEMO_MUS_AT, open_label
from tests.browser import PHONE, AppServer, Browser, screenshot, tap
from tests.test_browser_hold import lock, next_step, unlock

pytestmark = pytest.mark.browser


class Walk:
    """Notes what each screen's controls lack, and keeps a picture of the screen."""

    def __init__(self, page: Any, artifacts: Path) -> None:
        self.page = page
        self.artifacts = artifacts
        self.found: dict[str, list[str]] = {}

    def look(self, screen: str, shown: Any) -> None:
        expect(shown).to_be_visible()
        screenshot(self.page, self.artifacts / f"names-{len(self.found):02d}-{screen}.png")
        self.found[screen] = problems(self.page)

    def back(self, to: Any) -> None:
        """One screen back, waiting for ``to`` before the next tap: a second tap before
        the screen has changed lands on the screen that is going."""
        self.page.get_by_role("button", name="Tilbage", exact=True).click()
        expect(to).to_be_visible()

    def report(self) -> str:
        return "\n".join(f"{screen}: {', '.join(found)}"
                         for screen, found in self.found.items() if found)


def heading(page: Any, text: str) -> Any:
    """The screen's title in the app bar."""
    return page.get_by_role("heading", name=text, exact=True)


def test_every_control_on_every_screen_has_a_name_of_its_own_on_a_phone(
    browser: Browser, app_server: AppServer, artifacts: Path
) -> None:
    with browser.page(app_server.url, PHONE) as page:
        walk = Walk(page, artifacts)
        walk.look("start", page.get_by_role("button", name="Prøv med demodata"))
        tap(page.get_by_role("button", name="Prøv med demodata"))
        walk.look("anna-home", page.get_by_text("Hej Anna Sørensen"))

        mus = re.compile("^" + re.escape(open_label("MUS med Mette Holm", DEMO_MUS_AT)))
        page.get_by_role("button", name=mus).click()
        walk.look("anna-prepare-1", page.get_by_text(re.compile(r"^1 af 4: ")))
        next_step(page, 3, 4)
        walk.look("anna-prepare-3", page.get_by_text(re.compile(r"^3 af 4: ")))
        next_step(page, 4, 4)
        walk.look("anna-prepare-4", page.get_by_role("button", name="Færdig"))
        page.get_by_role("button", name="Gem og gå til oversigten", exact=True).click()

        page.get_by_role("button", name=re.compile(r"^Opfølgning|^MUS med Mette Holm"
                                                   r".*(aftale|Opfølgning)")).first.click()
        walk.look("anna-agreement", page.get_by_text(re.compile("nderskr")).first)
        walk.back(to=page.get_by_text("Hej Anna Sørensen"))
        page.get_by_role("button", name="Kurser").click()
        walk.look("anna-courses", heading(page, "Kursuskatalog"))
        walk.back(to=page.get_by_text("Hej Anna Sørensen"))
        page.get_by_role("button", name="Mine data").click()
        walk.look("anna-privacy", heading(page, "Mine data og sletning"))
        walk.back(to=page.get_by_text("Hej Anna Sørensen"))
        page.get_by_role("button", name="Indstillinger", exact=True).click()
        walk.look("anna-settings", heading(page, "Indstillinger"))
        walk.back(to=page.get_by_text("Hej Anna Sørensen"))
        page.get_by_role("button", name="Planlæg en samtale", exact=True).or_(
            page.get_by_role("button", name="Ny samtale", exact=True)).first.click()
        walk.look("anna-new-conversation", page.get_by_role("textbox").first)
        walk.back(to=page.get_by_text("Hej Anna Sørensen"))
        lock(page)
        walk.look("unlock", page.get_by_role("button", name="Profil: Båd"))

        unlock(page, "Hjerte", "Mette Holm")
        walk.look("mette-home", page.get_by_text("Hej Mette Holm"))
        page.get_by_role("button", name="Planlæg en samtale", exact=True).click()
        walk.look("mette-plan", page.get_by_role("textbox", name="Dato"))
        walk.back(to=page.get_by_text("Hej Mette Holm"))
        mus = re.compile("^" + re.escape(open_label("MUS med Anna Sørensen", DEMO_MUS_AT)))
        page.get_by_role("button", name=mus).click()
        walk.look("mette-conversation", page.get_by_role("button", name="Hold samtalen"))
        page.get_by_role("button", name="Hold samtalen").click()
        walk.look("mette-hold-1", page.get_by_text(re.compile(r"^1 af 5: ")))
        next_step(page, 4, 5)
        walk.look("mette-hold-goals", page.get_by_role("button", name="Gem målene"))
        next_step(page, 5, 5)
        walk.look("mette-hold-finish", page.get_by_role("button", name="Afslut samtalen"))
        walk.back(to=page.get_by_role("button", name="Hold samtalen"))
        walk.back(to=page.get_by_text("Hej Mette Holm"))
        page.get_by_role("button", name=re.compile(r"^TUS med ")).click()
        page.get_by_role("button", name="Hold samtalen").click()
        walk.look("mette-tus-rules", page.get_by_text(re.compile("^Spillereglerne gælder")))
        for part in ("Samtalehjulet", "Øvelser", "Teamplan", "Opsummering"):
            page.get_by_role("checkbox", name=part).click()
            walk.look(f"mette-tus-{part.lower()}", page.get_by_role("checkbox", name=part))
        walk.back(to=page.get_by_role("button", name="Hold samtalen"))
        walk.back(to=page.get_by_text("Hej Mette Holm"))
        page.get_by_role("button", name="Årshjul og status").click()
        walk.look("mette-year", page.get_by_text("Status pr. medarbejder"))
        page.get_by_role("button", name="Vis forslag").click()
        walk.look("mette-year-proposal", page.get_by_role("button", name=re.compile(
            r"^Planlæg alle")))
        walk.back(to=page.get_by_text("Hej Mette Holm"))
        page.get_by_role("button", name="Kompetencer").click()
        walk.look("mette-competences", page.get_by_text("Kompetenceoverblik").first)
        walk.back(to=page.get_by_text("Hej Mette Holm"))
        lock(page)

        unlock(page, "Sol", "Henrik Lund")
        walk.look("hr-home", page.get_by_text("Hej Henrik Lund"))
        page.get_by_role("button", name="Kompetencer").click()
        walk.look("hr-competences", page.get_by_text("Kompetenceoverblik").first)
        walk.back(to=page.get_by_text("Hej Henrik Lund"))
        page.get_by_role("button", name="Kurser").click()
        walk.look("hr-courses", heading(page, "Kursuskatalog"))
        page.get_by_role("button", name="Nyt kursus").click()
        walk.look("hr-new-course", page.get_by_role("textbox", name="Kursets titel"))
        walk.back(to=page.get_by_role("button", name="Nyt kursus"))
        walk.back(to=page.get_by_text("Hej Henrik Lund"))
        page.get_by_role("button", name="MED-tendenser").click()
        walk.look("hr-med", page.get_by_text("MED: kompetencer i tal").first)
        walk.back(to=page.get_by_text("Hej Henrik Lund"))
        page.get_by_role("button", name="Mine data").click()
        walk.look("hr-privacy", heading(page, "Mine data og sletning"))
        # Scrolled on the phone the page once turned into a grey block: its end shows.
        page.mouse.move(195, 500)
        page.mouse.wheel(0, 3000)
        walk.look("hr-privacy-scrolled", page.get_by_text("Intet registreret endnu."))
        walk.back(to=page.get_by_text("Hej Henrik Lund"))
        page.get_by_role("button", name="Indstillinger", exact=True).click()
        page.get_by_role("button", name="Organisation").click()
        walk.look("hr-organisation", heading(page, "Organisation"))

    assert not walk.report(), walk.report()
