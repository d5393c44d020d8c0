"""The sheet and job-profile screens without a browser: every control named, a text kept
on leaving its field, problems shown field first, publishing from the editor, and the
leader's choice of sheet when planning."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft

from conversations.model import Kind
from tests.app_fixtures import session_on
from tests.flet_fake import FakeClient, run
from tests.test_meeting import switch
from tests.test_views import click, same_names, started, unlabelled, unlock_as
from views.plan import show_plan
from views.sheets import show_sheets


def hr_on_tablet(root: Path) -> None:
    session = session_on(root)
    session.create_demo()
    switch(session, 2)  # Henrik from HR
    session.lock()


async def as_henrik(root: Path) -> FakeClient:
    client = await started(root)
    await unlock_as(client, "Sol")
    return client


async def leave(client: FakeClient, field: ft.TextField, text: str) -> None:
    client.type_into(field, text)
    await client.fire(field, "blur")
    await asyncio.sleep(0)


def test_hr_adapts_the_mus_on_screen_and_publishes_it(tmp_path: Path) -> None:
    hr_on_tablet(tmp_path)

    async def scenario() -> None:
        client = await as_henrik(tmp_path)
        await click(client, ft.OutlinedButton, content="Spørgeskemaer og jobprofiler")
        assert not unlabelled(client)
        assert not same_names(client)
        await click(client, ft.OutlinedButton, name="Tilpas MUS – medarbejderudviklingssamtale")
        assert "MUS · kladde til version 2 · 13 spørgsmål" in client.texts()
        assert "Ingen fejl – skemaet kan udgives." in client.texts()
        assert not unlabelled(client)
        assert not same_names(client)
        await click(client, ft.OutlinedButton, content="Tilføj spørgsmål til tema 1")
        assert "themes[0].questions[4].text.da: må ikke være tom" in client.texts()
        await leave(client, client.find(ft.TextField, label="Spørgsmål 5"),
                    "Hvad vil du gerne lære i år?")
        assert "Ingen fejl – skemaet kan udgives." in client.texts()
        await click(client, ft.TextButton, content="Fjern spørgsmål 2")
        await click(client, ft.OutlinedButton, content="Se det som medarbejderen")
        assert "4. Hvad vil du gerne lære i år?" in client.texts()
        assert not unlabelled(client)
        await click(client, ft.IconButton, name="Tilbage")
        await click(client, ft.FilledButton, content="Udgiv ny version")
        assert any(text.startswith("Den nye version er udgivet") for text in client.texts())
        assert "MUS · version 2 · organisationens eget" in client.texts()
        sheet = client.session_of_app().library.sheets["mus"]
        assert sheet.question("q1") is not None
        assert sheet.question("results.difference") is None

    run(scenario())


def test_hr_edits_a_competence_and_who_holds_the_job_on_screen(tmp_path: Path) -> None:
    hr_on_tablet(tmp_path)

    async def scenario() -> None:
        client = await as_henrik(tmp_path)
        await click(client, ft.OutlinedButton, content="Spørgeskemaer og jobprofiler")
        await click(client, ft.OutlinedButton,
                    name="Redigér jobprofilen Leder med personaleansvar")
        assert not unlabelled(client)
        await leave(client, client.find(ft.TextField, label="Gruppe for kompetence 1"),
                    "Ledelse")
        await click(client, ft.OutlinedButton, content="Tilføj enhedens mål til kompetence 1")
        field = client.find(ft.TextField, label="Enhedens mål 1, som kompetence 1 tjener")
        await leave(client, field, "Alle har en udviklingsaftale")
        anna = client.find(ft.Checkbox, label="Anna Sørensen har denne jobprofil")
        assert anna.value is False
        client.session.apply_patch(anna._i, {"value": True})
        await client.fire(anna, "change")
        await click(client, ft.FilledButton, content="Udgiv jobprofilen")
        session = client.session_of_app()
        member = next(m for m in session.directory.members.values()
                      if m.name == "Anna Sørensen")
        assert member is not None and member.job_profile == "leader"
        profile = client.session_of_app().library.job_profiles["leader"]
        assert profile.competences[0].group == {"da": "Ledelse"}
        assert profile.competences[0].goals == ({"da": "Alle har en udviklingsaftale"},)

    run(scenario())


def test_an_employee_sees_the_sheets_but_cannot_adapt_them(tmp_path: Path) -> None:
    session = session_on(tmp_path)
    session.create_demo()
    session.lock()

    async def scenario() -> None:
        client = await started(tmp_path)
        await unlock_as(client, "Båd")
        await client.page.data.go(show_sheets)
        await asyncio.sleep(0)
        assert not [c for c in client.controls() if isinstance(c, ft.OutlinedButton)
                    and c.content == "Tilpas"]
        assert client.find(ft.OutlinedButton, name="Eksportér TUS – teamudviklingssamtale "
                                                      "som fil")

    run(scenario())


def test_the_leader_chooses_the_organisations_own_sheet_when_planning(tmp_path: Path) -> None:
    session = session_on(tmp_path)
    session.create_demo()
    switch(session, 2)
    desk = session.library_desk
    desk.start_blank(Kind.MUS, "Vores MUS")
    desk.set_text(("themes", 0, "title"), "Trivsel")
    desk.set_text(("themes", 0, "questions", 0, "text"), "Hvordan har du det?")
    desk.publish()
    session.sync()
    switch(session, 6)
    session.sync()
    session.lock()

    async def scenario() -> None:
        client = await started(tmp_path)
        await unlock_as(client, "Hjerte")
        await client.page.data.go(show_plan)
        await asyncio.sleep(0)
        sheet = client.find(ft.Dropdown, label="Spørgeskema")
        assert [o.text for o in sheet.options] == [
            "MUS – medarbejderudviklingssamtale", "Vores MUS"]
        assert not unlabelled(client)

    run(scenario())
