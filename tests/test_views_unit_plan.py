"""The unit's year plan on screen, with no browser: Mette gathers a team action, words
it anew, adds a priority and shares; Anna reads the plan without a way to change it."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import flet as ft

from conversations import demo
from conversations.model import Kind
from tests.clock import TODAY
from tests.flet_fake import FakeClient, run
from tests.test_views import as_mette, click, same_names, unlabelled, unlock_as

ACTION = "Sparring om forflytning hver tirsdag"


def hold_tus_with(client: FakeClient, what: str) -> None:
    session = client.session_of_app()
    cid = next(cid for cid, entry in session.index().items() if entry.kind is Kind.TUS)
    session.meetings.load(cid)
    session.meetings.add_action(cid, what, long_term=False,
                                responsible_id=demo.organisation().employees[1].id,
                                deadline=TODAY + dt.timedelta(days=60))
    session.meetings.finish_team(cid)


def test_a_leader_gathers_a_team_action_words_it_adds_a_priority_and_shares(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        hold_tus_with(client, ACTION)
        await click(client, ft.OutlinedButton, content="Enhedens årsplan")
        assert "Kladde – kun du kan se den, indtil du deler den med enheden." in client.texts()
        assert not unlabelled(client) and not same_names(client)

        await click(client, ft.IconButton, name=f"Tag »{ACTION}« med i årsplanen")
        assert demo.TEAM in client.texts()
        assert "Alle teamenes handlinger er med i årsplanen." in client.texts()

        await click(client, ft.IconButton, name=f"Ret delmålet »{ACTION}«")
        assert not unlabelled(client) and not same_names(client)
        client.type_into(client.find(ft.TextField, label="Delmålet"), "Sparring hver tirsdag")
        await click(client, ft.FilledButton, content="Gem delmålet")
        assert "Sparring hver tirsdag" in client.texts()

        client.type_into(client.find(ft.TextField, label="Ny prioritet for hele enheden"),
                         "Færre sygedage")
        await click(client, ft.FilledTonalButton, content="Tilføj prioritet")
        assert "1. Færre sygedage" in client.texts()
        assert not unlabelled(client) and not same_names(client)

        await click(client, ft.FilledButton, content="Del med enheden")
        await asyncio.sleep(0.05)
        assert "Årsplanen sendes til alle i enheden ved næste synkronisering." in \
            client.texts()
        plan = client.session_of_app().unit_plans.load(TODAY.year)
        assert [g.what for g in plan.sub_goals] == ["Sparring hver tirsdag"]
        assert [p.what for p in plan.priorities] == ["Færre sygedage"]

    run(scenario())


def test_an_empty_priority_is_refused_with_a_message(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        await click(client, ft.OutlinedButton, content="Enhedens årsplan")
        await click(client, ft.FilledTonalButton, content="Tilføj prioritet")
        field = client.find(ft.TextField, label="Ny prioritet for hele enheden")
        assert field.error == "Skriv prioriteten, før du tilføjer den."
        assert "Ingen holdte TUS- eller GRUS-samtaler med en teamplan endnu." in client.texts()

    run(scenario())


def test_a_member_of_the_unit_reads_the_shared_plan_and_cannot_change_it(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        hold_tus_with(client, ACTION)
        session = client.session_of_app()
        plans = session.unit_plans
        plans.share(plans.add_priority(plans.gather(plans.open(TODAY.year),
                                                    plans.offered()[0]), "Færre sygedage"))
        session.sync()
        await click(client, ft.IconButton, name="Lås")
        await unlock_as(client, "Båd")
        session.sync()
        await click(client, ft.OutlinedButton, content="Enhedens årsplan")

        shown = client.texts()
        assert {"Delt med alle i enheden.", "1. Færre sygedage", ACTION, demo.TEAM} <= set(shown)
        assert not any(isinstance(c, ft.TextField) for c in client.controls())
        assert not any(isinstance(c, ft.IconButton) and "»" in str(c.tooltip)
                       for c in client.controls())
        assert "Hent årsplanen (PDF)" in client.shown()
        assert not unlabelled(client) and not same_names(client)

    run(scenario())


def test_a_sub_goal_dated_in_the_past_is_refused_at_its_date(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await as_mette(data_dir)
        hold_tus_with(client, ACTION)
        await click(client, ft.OutlinedButton, content="Enhedens årsplan")
        await click(client, ft.IconButton, name=f"Tag »{ACTION}« med i årsplanen")
        await click(client, ft.IconButton, name=f"Ret delmålet »{ACTION}«")
        yesterday = TODAY - dt.timedelta(days=1)
        deadline = client.find(ft.TextField, label="Frist for delmålet")
        client.type_into(deadline, yesterday.strftime("%d-%m-%Y"))
        await click(client, ft.FilledButton, content="Gem delmålet")

        assert deadline.error == f"Fristen {yesterday.isoformat()} er allerede passeret."
        assert client.find(ft.TextField, label="Delmålet").error is None
        plan = client.session_of_app().unit_plans.load(TODAY.year)
        assert plan.sub_goals[0].deadline == TODAY + dt.timedelta(days=60)

    run(scenario())
