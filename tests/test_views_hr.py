"""HR's screens through Flet's own event dispatch: the competence heatmap, course
creation from a gap, and the catalogue as an employee sees it."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import flet as ft

from conversations.competence import Level
from conversations.courses import Delivery
from conversations.demo import DEMO_PIN
from tests.app_fixtures import DEMO_MUS_AT, demo_with_course, session_on
from tests.clock import TODAY
from tests.flet_fake import FakeClient, run, walk
from tests.test_meeting import switch
from tests.test_views import click, started, unlabelled, unlock_as
from views.competence import show_competences
from views.courses import show_courses, show_new_course
from views.theme import HEAT

YEAR = DEMO_MUS_AT.year  # the year of the demo MUS whose ratings Anna shares
REHAB_TIP = ("Rehabilitering · Hjemmeplejen Nord: gennemsnit 2,0 af 5, forventet 4, n=1. "
             "Tryk for at oprette et kursus")



def cell_named(client: FakeClient, name: str) -> ft.Container:
    """The heatmap cell a screen reader reads out as ``name``."""
    cell = client.find(ft.Semantics, label=name).content
    assert isinstance(cell, ft.Container)
    return cell

def anna_shares_low_ratings(root: Path) -> None:
    """The demo, Anna's MUS preparation shared with two low ratings and one high, all
    synced to Henrik (HR); locked afterwards."""
    session = session_on(root)
    session.create_demo()
    mus = next(s for _, items in session.home() for s in items if s.answered)
    session.open_draft(mus.id)
    session.set_rating(mus.id, "rehabilitation", Level.ADVANCED_BEGINNER)  # expected 4
    session.set_rating(mus.id, "dementia", Level.NOVICE)  # expected 3
    session.set_rating(mus.id, "training", Level.EXPERT)
    session.set_shared(mus.id, True)
    session.close_draft(mus.id)
    session.sync()
    switch(session, 2)  # Henrik
    session.lock()


async def unlocked(root: Path, symbol_name: str) -> FakeClient:
    client = await started(root)
    await click(client, ft.Container, tooltip=f"Profil: {symbol_name}")
    client.type_into(client.find(ft.TextField, label="PIN-kode"), DEMO_PIN)
    await click(client, ft.FilledButton, content="Lås op")
    return client


async def go(client: FakeClient, screen: Any, *args: Any) -> None:
    await client.page.data.go(screen, *args)
    await asyncio.sleep(0)


def chip(client: FakeClient, label: str) -> ft.Chip:
    return next(c for c in client.controls() if isinstance(c, ft.Chip)
                and isinstance(c.label, ft.Text) and c.label.value == label)


def courses_of(client: FakeClient) -> list[Any]:
    return list(client.session_of_app().office.courses())


def test_hr_sees_the_teams_gaps_as_coloured_cells_with_readable_numbers(tmp_path: Path) -> None:
    anna_shares_low_ratings(tmp_path)

    async def scenario() -> None:
        client = await unlocked(tmp_path, "Sol")
        await go(client, show_competences, "team", YEAR)
        assert not unlabelled(client)
        rehab = cell_named(client, REHAB_TIP)
        assert rehab.bgcolor == HEAT["large"] and rehab.on_click is not None
        # The number and the gap in words say what the colour says.
        shown = sorted(c.value for c in walk(rehab) if isinstance(c, ft.Text))
        assert shown == ["2,0", "2,0 under"]
        training = cell_named(client, "Træning og bevægelse · Hjemmeplejen Nord: "
                                     "gennemsnit 5,0 af 5, forventet 4, n=1")
        assert training.bgcolor == HEAT["ok"] and training.on_click is None
        assert "Kursusbehov" in client.texts()
        assert "Demens og psykisk sårbarhed" in client.texts()
        await client.fire(chip(client, "Person"), "select")
        assert cell_named(client, "Rehabilitering · Anna Sørensen: "
                           "gennemsnit 2,0 af 5, forventet 4, n=1. Tryk for at oprette et kursus")
        assert not unlabelled(client)

    run(scenario())


def test_without_ratings_the_overview_says_none_have_arrived(tmp_path: Path) -> None:
    session = session_on(tmp_path)
    session.create_demo()
    switch(session, 2)
    session.lock()

    async def scenario() -> None:
        client = await unlocked(tmp_path, "Sol")
        await go(client, show_competences, "team", YEAR)
        assert any(text.startswith("Der er ikke kommet nogen kompetencevurderinger")
                   for text in client.texts())
        assert not unlabelled(client)

    run(scenario())


def test_a_course_without_a_competence_is_refused_right_under_the_list_heading(
    tmp_path: Path,
) -> None:
    anna_shares_low_ratings(tmp_path)

    async def scenario() -> None:
        client = await unlocked(tmp_path, "Sol")
        await go(client, show_new_course)
        client.type_into(client.find(ft.TextField, label="Kursets titel"), "Forflytning")
        await click(client, ft.FilledButton, content="Opret kursus")
        wanted = "Vælg mindst én kompetence, som kurset udvikler."
        heading = next(c for c in client.controls() if isinstance(c, ft.Column)
                       and c.controls and isinstance(c.controls[0], ft.Text)
                       and c.controls[0].value == "Kompetencer, som kurset udvikler")
        under = heading.controls[1]
        assert isinstance(under, ft.Text) and under.visible and under.value == wanted
        assert client.find(ft.TextField, label="Kursets titel").error is None

    run(scenario())


def test_a_gap_cell_opens_a_course_form_that_refuses_a_course_without_title(
    tmp_path: Path,
) -> None:
    anna_shares_low_ratings(tmp_path)

    async def scenario() -> None:
        client = await unlocked(tmp_path, "Sol")
        await go(client, show_competences, "team", YEAR)
        await client.fire(cell_named(client, REHAB_TIP), "click")
        assert not unlabelled(client)
        assert client.find(ft.Checkbox, label="Rehabilitering").value is True
        assert client.find(ft.Checkbox, label="Demens og psykisk sårbarhed").value is False
        await click(client, ft.FilledButton, content="Opret kursus")
        assert "Skriv kursets titel." in client.texts()
        assert client.find(ft.TextField, label="Kursets titel").error == "Skriv kursets titel."
        assert courses_of(client) == []

        client.type_into(client.find(ft.TextField, label="Kursets titel"),
                         "Rehabilitering i praksis")
        client.type_into(client.find(ft.TextField, label="Datoer"), "01-01-2020")
        await click(client, ft.FilledButton, content="Opret kursus")
        assert any(text.startswith("Datoen 2020-01-01 er allerede passeret")
                   for text in client.texts())
        assert courses_of(client) == []

        client.type_into(client.find(ft.TextField, label="Datoer"), "12-01-2099, 19-01-2099")
        client.type_into(client.find(ft.TextField, label="Antal pladser"), "12")
        await click(client, ft.FilledButton, content="Opret kursus")
        assert any(text.startswith("Kurset »Rehabilitering i praksis« er oprettet")
                   for text in client.texts())
        assert "Rehabilitering i praksis" in client.texts()
        assert "12 pladser" in client.texts()
        assert not unlabelled(client)
        [course] = courses_of(client)
        assert course.competence_ids == ("rehabilitation",)
        assert course.delivery is Delivery.INTERNAL
        assert course.dates == (dt.date(2099, 1, 12), dt.date(2099, 1, 19))

    run(scenario())


def test_an_employee_reads_the_catalogue_but_cannot_add_to_it(tmp_path: Path) -> None:
    session = session_on(tmp_path)
    session.create_demo()
    switch(session, 2)  # Henrik adds a course; it reaches Anna with her next sync
    session.office.create_course("Demens i hverdagen", ["dementia"], Delivery.EXTERNAL,
                                 provider="UCL", dates=[dt.date(2099, 3, 1)])
    session.sync()
    switch(session, 1)
    session.lock()

    async def scenario() -> None:
        client = await unlocked(tmp_path, "Båd")
        await go(client, show_courses)
        assert "Demens i hverdagen" in client.texts()
        assert "Eksternt · Udbyder: UCL" in client.texts()
        assert not [c for c in client.controls() if isinstance(c, ft.FilledButton)
                    and c.content == "Nyt kursus"]
        assert not unlabelled(client)
        await go(client, show_competences)
        assert "Kompetenceoverblikket er for ledere og HR." in client.texts()

    run(scenario())


def test_opened_without_a_year_the_overview_shows_the_newest_year_with_ratings(
    tmp_path: Path,
) -> None:
    session = session_on(tmp_path)
    session.create_demo()  # brings last year's self-assessments, none for this year
    switch(session, 2)
    session.lock()

    async def scenario() -> None:
        client = await unlocked(tmp_path, "Sol")
        await go(client, show_competences)
        assert chip(client, str(TODAY.year - 1)).selected
        cell = cell_named(client, "Rehabilitering · Hjemmeplejen Nord: "
                                                 "gennemsnit 2,5 af 5, forventet 4, n=4. "
                                                 "Tryk for at oprette et kursus")
        assert cell.bgcolor == HEAT["medium"]
        assert not unlabelled(client)

    run(scenario())


def test_an_employee_marks_a_course_completed_and_consents_to_the_catalogue(
    data_dir: Path,
) -> None:
    session = demo_with_course(data_dir, "Forflytning i praksis", received_by=1)

    async def scenario() -> None:
        client = await started(data_dir)
        await unlock_as(client, "Båd")
        await click(client, ft.OutlinedButton, content="Kurser")
        assert "Ingen har endnu sagt ja til at blive vist." in client.texts()
        await click(client, ft.TextButton,
                    content="Jeg har gennemført »Forflytning i praksis«")
        assert not unlabelled(client)
        client.type_into(client.find(ft.TextField, label="Gennemført den"), "01-01-2999")
        await click(client, ft.FilledButton, content="Gem")
        assert any(t.startswith("Datoen ligger i fremtiden") for t in client.texts())
        client.type_into(client.find(ft.TextField, label="Gennemført den"), "")
        consent = client.find(ft.Checkbox, label="Kolleger må se i kompetencekataloget, at "
                              "jeg har taget kurset")
        consent.value = True
        client.type_into(client.find(ft.TextField, label="Gennemført den"),
                         session.today().strftime("%d-%m-%Y"))
        await click(client, ft.FilledButton, content="Gem")
        assert "Gemt. Det når frem ved næste synkronisering." in client.texts()
        assert any("Anna Sørensen (Forflytning i praksis)" in t for t in client.texts())

    run(scenario())
