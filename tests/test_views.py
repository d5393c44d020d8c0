"""The real screens, driven through Flet's own event dispatch with no browser."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import errno
import os
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from conversations.demo import DEMO_PIN
from conversations.model import Kind
from resources.library import load_library
from services.app import AppSession
from services.clock import Clock
from storage import Device, KdfParams
from tests.app_fixtures import (
    DEMO_MUS_AT,
    DEMO_TUS_AT,
    anna_on_two_devices,
    conflicting_edits,
    newcomer_beside_demo,
    open_label,
)
from tests.clock import TODAY, day_clock
from tests.flet_fake import FakeClient, accessible_name, run, walk
from views.app import make_main

LIBRARY = load_library()


async def started(data_dir: Path) -> FakeClient:
    client = FakeClient()
    device = Device(data_dir, kdf=KdfParams.FAST_FOR_TESTS)
    await client.start(make_main(device, LIBRARY, lang="da", idle_seconds=300,
                                      clock=day_clock()))
    return client


def unlabelled(client: FakeClient) -> list[str]:
    """Controls a screen reader (or a test) could not name."""
    problems = []
    # A dropdown or a tappable container inside a labelled Semantics is named by it.
    named_inside = {id(inner) for outer in client.controls()
                    if isinstance(outer, ft.Semantics) and outer.label
                    for inner in walk(outer.content)}
    for control in client.controls():
        if isinstance(control, ft.TextField | ft.Switch | ft.Checkbox | ft.Radio):
            if not control.label:
                problems.append(type(control).__name__)
            if isinstance(control, ft.TextField) and control.can_reveal_password:
                problems.append(f"Flutter's reveal button in {control.label}")
        elif isinstance(control, ft.Dropdown) and id(control) not in named_inside:
            problems.append(f"Dropdown {control.label} (a closed one is an unnamed button)")
        elif isinstance(control, ft.Text) and control.selectable \
                and not control.semantics_label:
            problems.append("selectable Text (an unnamed text field in the browser)")
        elif isinstance(control, ft.IconButton | ft.FloatingActionButton):
            if not accessible_name(control):  # a tooltip names the tooltip, not the button
                problems.append(f"{type(control).__name__}({control.icon})")
        elif isinstance(
            control,
            ft.Button | ft.FilledButton | ft.OutlinedButton | ft.TextButton
            | ft.FilledTonalButton,
        ):
            if not accessible_name(control):
                problems.append(type(control).__name__)
            elif control.tooltip:  # it pops up over the content at a tap, and says no more
                problems.append(f"tooltip on »{accessible_name(control)}«")
        elif isinstance(control, ft.Chip) and not control.label:
            problems.append("Chip")
        elif isinstance(control, ft.ListTile) and control.on_click \
                and not (control.tooltip or card_name(control)):
            problems.append("clickable ListTile")
        elif isinstance(control, ft.Container) and control.on_click \
                and not control.tooltip and id(control) not in named_inside:
            problems.append(f"clickable {type(control).__name__}")
    return problems


def same_names(client: FakeClient) -> list[tuple[str, str]]:
    """Controls of one kind a screen reader would announce with the same name."""
    seen: dict[tuple[str, str], int] = {}
    for control in client.controls():
        if isinstance(control, ft.Chip) and isinstance(control.label, ft.Text):
            key = ("chip", control.label.semantics_label or control.label.value or "")
        elif isinstance(control, ft.Button | ft.FilledButton | ft.OutlinedButton
                        | ft.TextButton | ft.FilledTonalButton | ft.IconButton):
            key = ("button", accessible_name(control) or str(control.tooltip or ""))
        elif isinstance(control, ft.Checkbox | ft.Radio | ft.Switch | ft.TextField
                        | ft.Dropdown):
            key = (type(control).__name__, str(control.label or ""))
        else:
            continue
        seen[key] = seen.get(key, 0) + 1
    return [key for key, count in seen.items() if count > 1]


def in_reading_order(controls: list[Any]) -> list[Any]:
    """The controls as a person reads them down the screen (depth first, in order)."""
    found: list[Any] = []
    for control in controls:
        found.append(control)
        inner = getattr(control, "controls", None) or []
        content = getattr(control, "content", None)
        found.extend(in_reading_order([*([content] if isinstance(content, ft.Control) else []),
                                       *inner]))
    return found


def card_name(tile: ft.ListTile) -> str:
    """What a screen reader reads for a home card: its title and the line beneath it."""
    return " ".join(part.value for part in (tile.title, tile.subtitle)
                    if isinstance(part, ft.Text) and part.value)


async def open_card(client: FakeClient, name: str) -> None:
    """Taps the card (a ListTile) whose name starts with ``name``."""
    cards = [c for c in client.controls()
             if isinstance(c, ft.ListTile) and card_name(c).startswith(name)]
    assert cards, f"no card named {name!r}"
    await client.fire(cards[0], "click")
    await asyncio.sleep(0)


def no_space(*_args: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def demo_mus(data_dir: Path) -> FakeClient:
    """The app on Anna's demo MUS preparation."""
    client = await started(data_dir)
    await click(client, ft.OutlinedButton, content="Prøv med demodata")
    await open_card(client, open_label("MUS med Mette Holm", DEMO_MUS_AT))
    return client


async def unlock_as(client: FakeClient, symbol: str) -> None:
    """Picks the profile with this symbol on the unlock screen and types the demo PIN."""
    await click(client, ft.Container, tooltip=f"Profil: {symbol}")
    client.type_into(client.find(ft.TextField, label="PIN-kode"), DEMO_PIN)
    await click(client, ft.FilledButton, content="Lås op")


async def click(client: FakeClient, kind: type[Any], **props: Any) -> None:
    await client.fire(client.find(kind, **props), "click")
    await asyncio.sleep(0)


def test_mismatched_pins_are_explained_and_create_nothing(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await started(data_dir)
        assert not unlabelled(client)
        await click(client, ft.FilledButton, content="Opret profil")
        assert not unlabelled(client)
        client.type_into(client.find(ft.TextField, label="Dit navn"), "Anna")
        client.type_into(client.find(ft.TextField, label="PIN-kode"), "246810")
        client.type_into(client.find(ft.TextField, label="Gentag PIN-kode"), "246801")
        await click(client, ft.FilledButton, content="Opret profil")
        assert "De to PIN-koder er ikke ens." in client.texts()
        assert not (data_dir / "vaults").exists() or not any((data_dir / "vaults").iterdir())

    run(scenario())


def test_the_recovery_code_is_shown_once_and_must_be_acknowledged(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await started(data_dir)
        await click(client, ft.FilledButton, content="Opret profil")
        client.type_into(client.find(ft.TextField, label="Dit navn"), "Anna")
        client.type_into(client.find(ft.TextField, label="PIN-kode"), "246810")
        client.type_into(client.find(ft.TextField, label="Gentag PIN-kode"), "246810")
        await click(client, ft.FilledButton, content="Opret profil")
        assert "Din gendannelseskode" in client.texts()
        go_on = client.find(ft.FilledButton, content="Fortsæt")
        assert go_on.disabled
        box = client.find(ft.Checkbox, label="Jeg har skrevet koden ned")
        box.value = True
        await client.fire(box, "change")
        assert not go_on.disabled
        await click(client, ft.FilledButton, content="Fortsæt")
        assert "Hej Anna" in client.texts()
        assert not unlabelled(client)

    run(scenario())


def test_an_answer_typed_on_the_prepare_screen_is_saved_on_leaving_the_field(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await demo_mus(data_dir)
        assert not unlabelled(client)
        field = client.find(ft.TextField, multiline=True)
        client.type_into(field, "Jeg vil gerne lære mere om demens")
        await client.fire(field, "change")
        await client.fire(field, "blur")
        assert any(text.startswith("Gemt ") for text in client.texts())
        await click(client, ft.FilledButton, content="Næste")
        assert not unlabelled(client)

    run(scenario())


def test_a_full_disk_while_typing_is_shown_and_the_answer_is_saved_once_there_is_room(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> None:
        client = await demo_mus(data_dir)
        field = client.find(ft.TextField, label="Svar på spørgsmål 2")
        client.type_into(field, "Borgerne siger tak")
        with monkeypatch.context() as patched:
            patched.setattr(os, "fsync", no_space)
            await client.fire(field, "change")
            await client.fire(field, "blur")
        status = next(t for t in client.texts() if t.startswith("Ikke gemt"))
        assert "løbet tør for plads" in status
        assert field.value == "Borgerne siger tak"
        await client.fire(field, "blur")
        assert any(text.startswith("Gemt ") for text in client.texts())
        await click(client, ft.IconButton, name="Gem og gå til oversigten")
        await click(client, ft.IconButton, name="Lås")
        assert "Vælg din profil" in client.texts()
        assert not [text for text in client.texts() if "{" in text]

    run(scenario())
    session = AppSession(Device(data_dir, kdf=KdfParams.FAST_FOR_TESTS), LIBRARY)
    anna = session.profiles()[0]
    session.unlock(anna.id, DEMO_PIN)
    mus = next(s for _, items in session.home() for s in items if s.answered)
    assert "Borgerne siger tak" in session.open_draft(mus.id).preparation.answers.values()


def test_choosing_a_level_on_the_scale_saves_the_rating_and_marks_only_that_level(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await demo_mus(data_dir)
        for _ in range(2):
            await click(client, ft.FilledButton, content="Næste")
        chips = [c for c in client.controls() if isinstance(c, ft.Chip)]
        expert = [c for c in chips if isinstance(c.label, ft.Text) and c.label.value == "Ekspert"]
        assert not same_names(client)
        named = expert[1].label
        assert isinstance(named, ft.Text)
        assert named.semantics_label == "Lovgrundlag og rammer: Ekspert"
        await client.fire(expert[1], "select")
        row = expert[1].parent
        assert isinstance(row, ft.Row)
        assert [getattr(c, "selected", None) for c in row.controls] == [False] * 5 + [True]
        assert any(text.startswith("Gemt ") for text in client.texts())

    run(scenario())
    session = AppSession(Device(data_dir, kdf=KdfParams.FAST_FOR_TESTS), LIBRARY)
    session.unlock(session.profiles()[0].id, DEMO_PIN)
    mus = next(s for _, items in session.home() for s in items if s.answered)
    ratings = session.open_draft(mus.id).preparation.ratings
    assert sorted(int(level) for level in ratings.values()) == [4, 5]


def test_typing_after_a_lost_connection_is_still_saved(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await demo_mus(data_dir)
        field = client.find(ft.TextField, label="Svar på spørgsmål 2")
        client.type_into(field, "før")
        await client.fire(field, "change")
        saves: list[bool] = []
        session = client.session_of_app()
        real_save_all = session.save_all

        def counted() -> None:
            saves.append(True)
            real_save_all()

        session.save_all = counted
        await client.fire(client.page, "disconnect")
        assert saves, "the disconnect handler ran and saved"
        assert not session.drafts[next(iter(session.drafts))].dirty
        client.type_into(field, "før og efter")
        await client.fire(field, "change")
        await client.fire(field, "blur")
        assert any(text.startswith("Gemt ") for text in client.texts())

    run(scenario())


def test_a_failed_save_keeps_the_vault_open_instead_of_locking(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> None:
        client = await demo_mus(data_dir)
        field = client.find(ft.TextField, label="Svar på spørgsmål 2")
        client.type_into(field, "vigtigt svar")
        await client.fire(field, "change")
        with monkeypatch.context() as patched:
            patched.setattr(os, "fsync", no_space)
            await click(client, ft.IconButton, name="Gem og gå til oversigten")
            assert field.value == "vigtigt svar"
            assert any(text.startswith("Ikke gemt") for text in client.texts())
        await click(client, ft.IconButton, name="Gem og gå til oversigten")
        assert "Hej Anna Sørensen" in client.texts()

    run(scenario())


def test_pressing_enter_and_tapping_create_at_once_makes_one_profile(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await started(data_dir)
        await click(client, ft.FilledButton, content="Opret profil")
        client.type_into(client.find(ft.TextField, label="Dit navn"), "Anna")
        client.type_into(client.find(ft.TextField, label="PIN-kode"), "246810")
        again = client.find(ft.TextField, label="Gentag PIN-kode")
        client.type_into(again, "246810")
        submit = client.find(ft.FilledButton, content="Opret profil")
        await asyncio.gather(client.fire(again, "submit"), client.fire(submit, "click"))

    run(scenario())
    assert len(Device(data_dir).profiles()) == 1


def test_a_conflict_shows_on_home_and_is_settled_on_its_screen(tmp_path: Path) -> None:
    tablet, office, cid = anna_on_two_devices(tmp_path)
    conflicting_edits(tablet, office, cid, first="første", at_office="fra kontoret",
                      on_tablet="fra tabletten")
    tablet.lock()

    async def scenario() -> None:
        client = await started(tmp_path / "tablet")
        await unlock_as(client, "Båd")
        assert "1 svar skal afklares" in client.texts()
        await open_card(client, "1 svar skal afklares")
        assert {"fra kontoret", "fra tabletten"} <= set(client.texts())
        assert not unlabelled(client)
        await click(client, ft.FilledTonalButton, name="Behold Version 2 for konflikt 1")
        assert "Der er ingen konflikter. Alt er afklaret." in client.texts()

    run(scenario())


def test_joining_an_organisation_and_hr_approving_on_screen(tmp_path: Path) -> None:
    newcomer, _share = newcomer_beside_demo(tmp_path)
    newcomer.lock()

    async def ask() -> None:
        client = await started(tmp_path / "tablet")
        client.type_into(client.find(ft.TextField, label="PIN-kode"), "246810")
        await click(client, ft.FilledButton, content="Lås op")
        await click(client, ft.IconButton, name="Indstillinger")
        await click(client, ft.OutlinedButton, content="Organisation")
        await click(client, ft.FilledButton, content="Find organisationen på fællesdrevet")
        assert "Fundet: Demo Kommune" in client.texts()
        assert not unlabelled(client)
        client.type_into(client.find(ft.TextField, label="Dit team (fx Hjemmeplejen Nord)"),
                         "Hjemmeplejen Nord")
        await click(client, ft.FilledButton, content="Anmod om adgang")
        assert "Din anmodning er sendt. HR skal godkende den." in client.texts()

    async def approve() -> None:
        client = await started(tmp_path / "office")
        await unlock_as(client, "Sol")
        await click(client, ft.IconButton, name="Indstillinger")
        await click(client, ft.OutlinedButton, content="Organisation")
        assert "Anmodninger om adgang (1)" in client.texts()
        assert not unlabelled(client)
        await click(client, ft.FilledButton, name="Godkend Birgitte Holm")
        assert "Birgitte Holm er godkendt og står nu på medarbejderlisten." in client.texts()

    run(ask())
    run(approve())


async def as_mette(data_dir: Path) -> FakeClient:
    """The demo, locked, then Mette (the leader) unlocked."""
    client = await started(data_dir)
    await click(client, ft.OutlinedButton, content="Prøv med demodata")
    await click(client, ft.IconButton, name="Lås")
    await unlock_as(client, "Hjerte")
    assert "Hej Mette Holm" in client.texts()
    return client


def test_a_closed_dropdown_tells_a_screen_reader_its_name_and_its_chosen_value(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        await click(client, ft.FloatingActionButton, name="Planlæg en samtale")
        said = client.find(ft.Semantics, label="Bisidder (fx tillidsrepræsentant)")
        assert said.value == "Ingen"
        companion = client.find(ft.Dropdown, label="Bisidder (fx tillidsrepræsentant)")
        companion.value = next(o.key for o in companion.options if o.text == "Anna Sørensen")
        await client.fire(companion, "select", companion.value)
        assert said.value == "Anna Sørensen"

    run(scenario())


def test_planning_for_someone_without_a_profile_says_how_to_invite_them(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        await click(client, ft.FloatingActionButton, name="Planlæg en samtale")
        assert not unlabelled(client)
        await click(client, ft.FilledButton, content="Planlæg og lav invitation")
        assert "Vælg en dato for samtalen." in client.texts()
        client.type_into(client.find(ft.TextField, label="Dato"), "01-12-2099")
        jonas = client.find(ft.Checkbox, label="Jonas Nielsen (ingen profil endnu)")
        jonas.value = True
        await client.fire(jonas, "change", "true")
        await click(client, ft.FilledButton, content="Planlæg og lav invitation")
        assert any(text.startswith("Jonas Nielsen har ingen profil i Samtale endnu")
                   for text in client.texts())
        assert not unlabelled(client)

    run(scenario())


def test_every_step_of_holding_a_mus_and_a_tus_names_its_controls(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        await open_card(client, open_label("MUS med Anna Sørensen", DEMO_MUS_AT))
        assert not unlabelled(client)
        await click(client, ft.FilledButton, content="Hold samtalen")
        for step in range(2, 6):
            assert not unlabelled(client), step
            assert not same_names(client), step
            await click(client, ft.FilledButton, content="Næste")
        await click(client, ft.FilledButton, content="Afslut samtalen")
        assert "Samtalen er afsluttet og gemt." in client.texts()
        assert not unlabelled(client)
        await click(client, ft.IconButton, name="Tilbage")
        await open_card(client, open_label(
            "TUS med Anna Sørensen, Jonas Nielsen, Fatima Ali, Lars Kristensen", DEMO_TUS_AT))
        await click(client, ft.FilledButton, content="Hold samtalen")
        shows = {"Samtalehjulet": "Vores team", "Øvelser": "Tjek ind", "Teamplan": "Ny handling",
                 "Opsummering": "Tid tilbage af opsummeringen"}
        for section, text in shows.items():
            chip = next(c for c in client.controls() if isinstance(c, ft.Chip)
                        and isinstance(c.label, ft.Text) and c.label.value == section)
            await client.fire(chip, "select", "true")
            await asyncio.sleep(0)
            assert text in client.texts(), section
            assert not unlabelled(client), section
            assert not same_names(client), section

    run(scenario())


def test_holding_a_mus_shows_the_minutes_first_and_one_line_for_what_nobody_answered(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        await open_card(client, open_label("MUS med Anna Sørensen", DEMO_MUS_AT))
        await click(client, ft.FilledButton, content="Hold samtalen")
        shown = [c for c in in_reading_order(client.page.controls)
                 if isinstance(c, ft.TextField) or (isinstance(c, ft.Text) and c.value)]
        first_question = next(i for i, c in enumerate(shown)
                              if isinstance(c, ft.Text) and (c.value or "").startswith("1. "))
        minutes = next(i for i, c in enumerate(shown) if isinstance(c, ft.TextField)
                       and str(c.label).startswith("Referat – "))
        assert minutes < first_question
        # Neither Anna (not shared) nor Mette has answered: one line, not two boxes.
        assert "Ikke besvaret af nogen" in client.texts()
        assert "Ikke delt med dig" not in client.texts()

    run(scenario())


def test_an_agreement_changed_after_signing_is_shown_as_tampered(data_dir: Path) -> None:
    from storage.schema import AGREEMENT_TABLE
    from tests.app_fixtures import session_on
    from tests.test_meeting import agreed_mus, switch

    session = session_on(data_dir)
    session.create_demo()
    switch(session, 6)
    cid = agreed_mus(session)
    session.meetings.close(cid)
    vault = session.unlocked_vault()
    record = next(iter(vault.read_shard(cid)[AGREEMENT_TABLE].values()))
    goals = [dict(g) for g in record["goals"]]
    goals[1]["what"] += "!"
    vault.put_record(cid, AGREEMENT_TABLE, {**record, "goals": goals})
    planned = session.meetings.conversation(cid).planned_at
    assert planned is not None
    session.lock()

    async def scenario() -> None:
        client = await started(data_dir)
        await unlock_as(client, "Hjerte")
        await open_card(client, open_label("MUS med Anna Sørensen", planned))
        await click(client, ft.FilledButton, content="Udviklingsaftale og underskrift")
        texts = client.texts()
        assert any(t.startswith("Aftalen er ændret efter underskriften fra") for t in texts)
        assert any(t.startswith("Ugyldig underskrift fra Anna Sørensen") for t in texts)
        assert "Underskrevet af begge" not in texts
        assert not any(isinstance(c, ft.FilledButton) and str(c.content).startswith(
            "Underskriv") for c in client.controls())
        assert not unlabelled(client)

    run(scenario())


def test_the_follow_up_screen_records_a_goal_as_done_for_both_to_sign_again(
    data_dir: Path,
) -> None:
    from tests.app_fixtures import session_on
    from tests.test_meeting import agreed_mus, switch

    session = session_on(data_dir)
    session.create_demo()
    switch(session, 6)
    cid = agreed_mus(session)
    session.meetings.close(cid)
    planned = session.meetings.conversation(cid).planned_at
    assert planned is not None
    session.lock()

    async def scenario() -> None:
        client = await started(data_dir)
        await unlock_as(client, "Hjerte")
        await open_card(client, open_label("MUS med Anna Sørensen", planned))
        await click(client, ft.FilledButton, content="Udviklingsaftale og underskrift")
        await click(client, ft.OutlinedButton, content="Hold opfølgning")
        assert "Kursus i forflytning" in client.texts()
        assert not unlabelled(client)
        first = next(c for c in client.controls() if isinstance(c, ft.RadioGroup))
        first.value = "done"
        await click(client, ft.FilledButton, content="Gem opfølgningen")
        texts = client.texts()
        assert any(t.startswith("Opfølgningen er gemt.") for t in texts)
        assert any(t.startswith("Kladde") for t in texts)

    run(scenario())
    session = session_on(data_dir)
    session.unlock(next(p.id for p in session.profiles() if p.symbol == 6), "123456")
    meeting = session.meetings.load(cid)
    assert meeting.conversation.state.value == "followed_up"
    assert meeting.agreement is not None
    assert [g.status.value for g in meeting.agreement.goals].count("done") == 1


def test_the_leader_plans_the_year_for_the_team_around_other_activities(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        await click(client, ft.OutlinedButton, content="Årshjul og status")
        assert {"Anna Sørensen", "Jonas Nielsen", "Fatima Ali", "Lars Kristensen"} <= set(
            client.texts())
        assert not unlabelled(client)
        next_year = TODAY.year + 1
        await click(client, ft.IconButton, name=f"Næste år ({next_year})")
        client.type_into(client.find(ft.TextField, label="Andre aktiviteter i perioden"),
                         "Trivselsmåling; 01-03")
        await click(client, ft.OutlinedButton, content="Vis forslag")
        assert "»01-03« er ikke en dato. Skriv fx 24-12-2026." in client.texts()
        client.type_into(client.find(ft.TextField, label="Andre aktiviteter i perioden"),
                         f"Trivselsmåling; 01-02-{next_year}; 28-02-{next_year}")
        await click(client, ft.OutlinedButton, content="Vis forslag")
        proposal = [t for t in client.texts() if t.endswith(("Sørensen", "Nielsen", "Ali",
                                                             "Kristensen"))]
        assert proposal and not any("februar" in t for t in proposal)
        await click(client, ft.FilledButton, content="Planlæg alle (4)")
        assert "4 samtaler er planlagt." in client.texts()
        # Anna's follow-up from this year stays in front of her new MUS.
        assert sum(t.startswith("Planlagt · MUS") for t in client.texts()) == 3
        assert not unlabelled(client)

    run(scenario())


def test_a_course_from_the_catalogue_becomes_a_goal_in_the_agreement(data_dir: Path) -> None:
    from tests.app_fixtures import demo_with_course

    start = TODAY + dt.timedelta(days=40)
    demo_with_course(data_dir, "Forflytning i praksis", (start,), received_by=6)

    async def scenario() -> None:
        client = await started(data_dir)
        await unlock_as(client, "Hjerte")
        await open_card(client, open_label("MUS med Anna Sørensen", DEMO_MUS_AT))
        await click(client, ft.FilledButton, content="Hold samtalen")
        for _ in range(3):
            await click(client, ft.FilledButton, content="Næste")
        picker = client.find(ft.Dropdown, label="Vælg et kursus fra kataloget til mål 1")
        picker.value = next(o.key for o in picker.options)
        await client.fire(picker, "select", picker.value)
        await asyncio.sleep(0)
        assert client.find(ft.TextField, label="Mål 1: hvad vil I opnå?").value == \
            "Forflytning i praksis"
        assert client.find(ft.Dropdown, label="Praksisfelt for mål 1").value == "course"
        assert client.find(ft.TextField, label="Frist for mål 1").value == \
            start.strftime("%d-%m-%Y")
        assert not unlabelled(client)

    run(scenario())


@pytest.mark.parametrize("day", [dt.date(TODAY.year, 12, 10), dt.date(TODAY.year, 5, 25)])
def test_the_year_planner_offers_dates_in_the_year_shown_or_says_there_is_no_room(
    data_dir: Path, day: dt.date,
) -> None:
    """From about 9 December this year has no period left: the planner says so and
    offers next year; switching year brings that year's dates, never this year's."""
    async def scenario() -> None:
        client = FakeClient()
        device = Device(data_dir, kdf=KdfParams.FAST_FOR_TESTS)
        await client.start(make_main(device, LIBRARY, lang="da", idle_seconds=300,
                                     clock=Clock(day)))
        await click(client, ft.OutlinedButton, content="Prøv med demodata")
        await click(client, ft.IconButton, name="Lås")
        await unlock_as(client, "Hjerte")
        await click(client, ft.OutlinedButton, content="Årshjul og status")
        year, later = day.year, day.year + 1
        if day.month == 12:
            assert not any(c.label == "Fra dato" for c in client.controls()
                           if isinstance(c, ft.TextField))
            assert any(t.startswith(f"Der er ikke længere en periode at planlægge samtaler "
                                    f"i for {year}") for t in client.texts())
            await click(client, ft.OutlinedButton, content=f"Planlæg {later}")
        else:
            start = client.find(ft.TextField, label="Fra dato").value
            assert start == (day + dt.timedelta(days=7)).strftime("%d-%m-%Y")
            assert client.find(ft.TextField, label="Til dato").value == f"15-12-{year}"
            await click(client, ft.OutlinedButton, content="Vis forslag")
            assert any(t.startswith("Forslag: 4 samtaler") for t in client.texts())
            await click(client, ft.IconButton, name=f"Næste år ({later})")
        assert client.find(ft.TextField, label="Fra dato").value == f"15-01-{later}"
        assert client.find(ft.TextField, label="Til dato").value == f"15-06-{later}"
        await click(client, ft.OutlinedButton, content="Vis forslag")
        assert any(t.startswith("Forslag: 4 samtaler") for t in client.texts())
        await click(client, ft.IconButton, name=f"Forrige år ({year})")
        await click(client, ft.IconButton, name=f"Forrige år ({year - 1})")
        assert f"{year - 1} er gået, så der kan ikke planlægges samtaler i det. Vælg et " \
            "kommende år med pilene øverst." in client.texts()
        assert not unlabelled(client)

    run(scenario())


def test_the_year_exports_as_csv_pdf_and_one_calendar_file(data_dir: Path) -> None:
    import io

    from pypdf import PdfReader

    from views.year import YearScreen

    async def scenario() -> None:
        client = await as_mette(data_dir)
        shell = client.page.data
        next_year = TODAY.year + 1
        screen = YearScreen(shell, next_year, "")
        await screen.load()
        slots = [(s.person_ids, s.day) for s in screen.proposal()]
        await asyncio.to_thread(shell.session.office.plan_many, Kind.MUS, slots)
        await screen.load()
        text = screen.csv().decode("utf-8")
        assert text.startswith("\ufeffNavn;Status;Samtale;Tidspunkt;Opfølgning\r\n")
        assert "Fatima Ali;Planlagt;MUS;" in text
        pdf = await asyncio.to_thread(screen.pdf)
        words = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
        assert f"Udviklingssamtaler {next_year}" in words and "Lars Kristensen" in words
        calendar = await asyncio.to_thread(screen.calendar)
        # the four new MUS and whatever the demo already planned in that year (its TUS)
        planned = [c for c in shell.session.office.conversations()
                   if c.planned_at and c.planned_at.year == next_year]
        assert len(planned) >= 4
        assert calendar.count(b"BEGIN:VEVENT") == len(planned)

    run(scenario())


async def hold_mus_with_anna(client: FakeClient) -> None:
    """Mette opens the demo MUS with Anna, holds it and goes to the agreement builder."""
    await open_card(client, open_label("MUS med Anna Sørensen", DEMO_MUS_AT))
    await click(client, ft.FilledButton, content="Hold samtalen")
    for _ in range(3):
        await click(client, ft.FilledButton, content="Næste")


async def choose(client: FakeClient, label: str, text: str) -> None:
    dropdown = client.find(ft.Dropdown, label=label)
    dropdown.value = next(o.key for o in dropdown.options if o.text == text)
    await client.fire(dropdown, "select", dropdown.value)


def test_a_new_goal_is_not_saved_until_its_theme_and_practice_field_are_chosen(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        await hold_mus_with_anna(client)
        theme = client.find(ft.Dropdown, label="Tema for mål 1")
        field = client.find(ft.Dropdown, label="Praksisfelt for mål 1")
        assert theme.value is None and field.value is None
        client.type_into(client.find(ft.TextField, label="Mål 1: hvad vil I opnå?"),
                         "Sidemandsoplæring med Fatima Ali")
        await click(client, ft.FilledButton, content="Gem målene")
        assert "Vælg et tema for mål 1." in client.texts()
        await choose(client, "Tema for mål 1", "Udviklingsområder – status og fremadrettet")
        await click(client, ft.FilledButton, content="Gem målene")
        assert any(s.startswith("Vælg et praksisfelt for mål 1") for s in client.texts())
        assert not any("mål gemt" in s for s in client.texts())
        await choose(client, "Praksisfelt for mål 1", "Sidemandsoplæring")
        await click(client, ft.FilledButton, content="Gem målene")
        assert "1 mål gemt" in client.texts()
        assert not unlabelled(client)

    run(scenario())


def test_nobody_signs_an_agreement_until_the_leader_has_approved_every_goal(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        await hold_mus_with_anna(client)
        client.type_into(client.find(ft.TextField, label="Mål 1: hvad vil I opnå?"),
                         "Kursus i forflytning")
        await choose(client, "Tema for mål 1", "Udviklingsområder – status og fremadrettet")
        await choose(client, "Praksisfelt for mål 1", "Kursus eller uddannelse")
        await click(client, ft.FilledButton, content="Næste")
        await click(client, ft.FilledButton, content="Afslut samtalen")
        waiting = ("Lederen skal godkende mål 1, før aftalen kan underskrives. "
                   "Sæt flueben ved »godkendt af lederen«, og gem målene.")
        assert waiting in client.texts()
        assert "Afventer godkendelse" in " ".join(client.texts())
        assert client.find(ft.FilledButton, content="Underskriv som Mette Holm").disabled
        assert client.find(ft.OutlinedButton,
                           content="Anna Sørensen underskriver her på enheden").disabled
        assert "Kladde – ingen har underskrevet endnu" in client.texts()

    run(scenario())


def test_a_sync_redraws_home_only_when_what_home_shows_changed(data_dir: Path) -> None:
    """A redraw under a finger loses the tap: a sync that fetched records home does not
    show (ratings, coverage) leaves the cards as they are; a new reminder redraws."""
    from sync.engine import SyncReport

    async def scenario() -> None:
        client = await started(data_dir)
        await click(client, ft.OutlinedButton, content="Prøv med demodata")
        shell = client.page.data
        session = shell.session
        cards = [c for c in client.controls() if isinstance(c, ft.ListTile)]
        assert cards
        session.sync = lambda progress=None: SyncReport(pulled=3)
        await shell.sync_once()
        assert [c for c in client.controls() if isinstance(c, ft.ListTile)] == cards
        assert all(any(c is card for c in client.controls()) for card in cards)

        shown = session.home_view()
        session.home_view = lambda: dataclasses.replace(shown, conflicts=shown.conflicts + 1)
        await shell.sync_once()
        assert not all(any(c is card for c in client.controls()) for card in cards)

    run(scenario())
