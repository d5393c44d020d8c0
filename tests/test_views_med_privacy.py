"""MED's trends and the privacy screen, driven through Flet's own event dispatch with no
browser, on the demo organisation with a fixed day."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import flet as ft

from services.app import AppSession
from services.privacy_desk import PrivacyDesk
from tests.app_fixtures import session_on
from tests.flet_fake import FakeClient, accessible_name, run, walk
from tests.test_meeting import switch
from tests.test_privacy_desk import with_old_conversations
from tests.test_views import unlabelled
from views.app import SCREENS
from views.med import show_med
from views.privacy import show_privacy
from views.shell import Shell

NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
HIDDEN = "Skjult"
YEARS_BAD = "Opbevaringstiden skal være mellem 1 og 10 år."


async def demo_client(data_dir: Path) -> tuple[FakeClient, Shell]:
    """The demo on a tablet whose day is fixed; no screen shown yet."""
    client = FakeClient()
    session = session_on(data_dir)
    await asyncio.to_thread(session.create_demo)
    holder: dict[str, Shell] = {}

    async def main(page: ft.Page) -> None:
        shell = Shell(page, session, SCREENS)
        page.data = holder.setdefault("shell", shell)

    await client.start(main)
    return client, holder["shell"]


def anna_shares_her_ratings(session: AppSession) -> None:
    """Anna shares her demo MUS preparation (it rates a competence): her rating reaches
    Mette and HR; she is the only one who rated anything."""
    cid = next(s.id for _, items in session.home() for s in items if s.answered)
    session.open_draft(cid)
    session.set_shared(cid, True)
    session.close_draft(cid)
    session.sync()


def open_dialogs(client: FakeClient) -> list[ft.AlertDialog]:
    return [d for d in client.page._dialogs.controls
            if isinstance(d, ft.AlertDialog) and d.open]


def in_dialog(client: FakeClient, kind: type[Any], **props: Any) -> Any:
    for dialog in open_dialogs(client):
        for control in walk(dialog):
            if isinstance(control, kind) and all(
                    getattr(control, k, None) == v for k, v in props.items()):
                return control
    raise AssertionError(f"no {kind.__name__} with {props} in an open dialog")


async def click(client: FakeClient, control: Any) -> None:
    await client.fire(control, "click")
    await asyncio.sleep(0)


def test_henrik_sees_every_med_number_hidden_when_too_few_people_rated(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client, shell = await demo_client(data_dir)
        session = shell.session
        await asyncio.to_thread(anna_shares_her_ratings, session)
        await asyncio.to_thread(switch, session, 2)  # Henrik from HR
        ratings = await asyncio.to_thread(session.office.ratings)
        assert ratings, "Henrik must have received Anna's rating for this to prove anything"
        year = ratings[0].year
        raters = {r.person_id for r in ratings if r.year == year}
        assert 0 < len(raters) < 5  # too few for any number

        await shell.go(show_med, year)

        texts = client.texts()
        assert HIDDEN in texts
        assert any(t.startswith(f"Alle tal for {year} er skjult: ingen gruppe har endnu "
                                "vurderinger fra mindst 5 personer. Det er ikke en fejl.")
                   for t in texts)
        assert "Hele organisationen" in texts
        assert not [t for t in texts if NUMBER.fullmatch(t.strip())], texts
        assert not any(member.name in " ".join(texts)
                       for member in session.directory.members.values())
        assert not unlabelled(client)

    run(scenario())


def test_the_privacy_screen_names_every_control_for_a_leader(data_dir: Path) -> None:
    async def scenario() -> None:
        client, shell = await demo_client(data_dir)
        await asyncio.to_thread(switch, shell.session, 6)  # Mette, a leader
        await shell.go(show_privacy)
        assert "Mine data og sletning" in client.texts()
        assert client.find(ft.TextField, label="Opbevaringstid i år (1–10)")
        assert not unlabelled(client)

        await click(client, client.find(ft.OutlinedButton, content="Slet mine data"))
        dialog = open_dialogs(client)[0]
        assert any(isinstance(c, ft.Text) and c.value and c.value.startswith("Underskrevne")
                   for c in walk(dialog))
        assert all(isinstance(a, ft.TextButton | ft.FilledButton) and accessible_name(a)
                   for a in dialog.actions)

    run(scenario())


def test_a_bad_retention_period_is_explained_in_danish_and_deletes_nothing(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client, shell = await demo_client(data_dir)
        session = shell.session
        await asyncio.to_thread(switch, session, 6)
        held, _agreed = await asyncio.to_thread(with_old_conversations, session)
        before = await asyncio.to_thread(session.unlocked_vault().shard_ids)
        await shell.go(show_privacy)
        years = client.find(ft.TextField, label="Opbevaringstid i år (1–10)")

        for typed in ("0", "elleve", "11"):
            client.type_into(years, typed)
            await click(client, client.find(ft.FilledButton, content="Slet"))
            assert YEARS_BAD in client.texts()
            assert years.error == YEARS_BAD
            assert not open_dialogs(client)

        assert await asyncio.to_thread(session.unlocked_vault().shard_ids) == before
        assert held in before
        assert await asyncio.to_thread(PrivacyDesk(session).audit) == []

    run(scenario())


def test_a_valid_period_previews_then_deletes_after_confirmation(data_dir: Path) -> None:
    async def scenario() -> None:
        client, shell = await demo_client(data_dir)
        session = shell.session
        await asyncio.to_thread(switch, session, 6)
        held, agreed = await asyncio.to_thread(with_old_conversations, session)
        await shell.go(show_privacy)
        client.type_into(client.find(ft.TextField, label="Opbevaringstid i år (1–10)"), "1")

        await click(client, client.find(ft.OutlinedButton, content="Vis hvad der slettes"))
        assert "1 samtale slettes:" in client.texts()
        assert held in await asyncio.to_thread(session.unlocked_vault().shard_ids)

        await click(client, client.find(ft.FilledButton, content="Slet"))
        await click(client, in_dialog(client, ft.FilledButton, content="Slet for altid"))

        assert "1 samtale er slettet." in client.texts()
        left = await asyncio.to_thread(session.unlocked_vault().shard_ids)
        assert held not in left and agreed in left
        assert "Slettet efter opbevaringsreglen" in client.texts()

    run(scenario())
