"""The conversation wheel as a board: dialog cards laid on its three fields, kept with the
minutes; refused for a card or field that is not there. On a tablet the wheel is drawn
and a card is laid by tapping it, then a field (or the field's named button); on a phone
the wheel stays a list."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft
import flet.canvas as cv
import pytest

from conversations import demo
from conversations.model import InputRejected, Kind
from conversations.team import cards_on_wheel, dialog_deck, with_card_placed
from resources.library import load_library
from tests.app_fixtures import DEMO_TUS_AT, open_label, session_on
from tests.flet_fake import FakeClient, run
from tests.test_views import as_mette, click, open_card, same_names, unlabelled
from views.wheel import SIZE, field_at

TUS = load_library().sheets["tus"]
DECK = dialog_deck(TUS, (), "da")


def test_a_card_laid_on_a_field_lies_there_and_laid_again_moves() -> None:
    card = DECK[0].id
    placed = with_card_placed({}, DECK, TUS, card, "practice")
    assert [c.id for c in cards_on_wheel(DECK, placed, TUS)["practice"]] == [card]

    moved = with_card_placed(placed, DECK, TUS, card, "relations")
    on = cards_on_wheel(DECK, moved, TUS)
    assert (on["practice"], [c.id for c in on["relations"]]) == ((), [card])
    assert with_card_placed(moved, DECK, TUS, card, "") == {}


def test_the_wheel_lists_its_fields_in_the_sheets_order_and_cards_in_deck_order() -> None:
    placed = {DECK[2].id: "our_team", DECK[0].id: "our_team", "gone": "our_team",
              DECK[1].id: "no_such_field"}
    on = cards_on_wheel(DECK, placed, TUS)
    assert list(on) == ["our_team", "practice", "relations"]
    assert [c.id for c in on["our_team"]] == [DECK[0].id, DECK[2].id]


@pytest.mark.parametrize(("card", "field", "key"), [
    ("no-such-card", "practice", "error.card_unknown"),
    (DECK[0].id, "no-such-field", "error.field_unknown"),
])
def test_a_card_or_field_that_is_not_there_is_refused(card: str, field: str, key: str) -> None:
    with pytest.raises(InputRejected) as refused:
        with_card_placed({}, DECK, TUS, card, field)
    assert refused.value.key == key


def test_cards_laid_on_the_wheel_are_kept_with_the_minutes_and_reopen_where_they_lay(
    tmp_path: Path,
) -> None:
    session = session_on(tmp_path)
    session.create_demo()
    session.lock()
    session.unlock(next(p.id for p in session.profiles() if p.symbol == 6), demo.DEMO_PIN)
    cid = next(cid for cid, entry in session.index().items() if entry.kind is Kind.TUS)
    meeting = session.meetings.load(cid)
    card = session.meetings.deck(meeting)[3]

    session.meetings.place_card(cid, card.id, "relations")
    session.meetings.close(cid)

    assert session.meetings.load(cid).minutes.placed_cards == {card.id: "relations"}


# --- on screen -----------------------------------------------------------------------------


async def team_wheel_at(data_dir: Path, width: int) -> FakeClient:
    """Mette holding the demo's TUS on the wheel section, on a screen ``width`` wide."""
    client = await as_mette(data_dir)
    client.page.width = width
    await open_card(client, open_label(
        "TUS med Anna Sørensen, Jonas Nielsen, Fatima Ali, Lars Kristensen", DEMO_TUS_AT))
    await click(client, ft.FilledButton, content="Hold samtalen")
    chip = next(c for c in client.controls() if isinstance(c, ft.Chip)
                and isinstance(c.label, ft.Text) and c.label.value == "Samtalehjulet")
    await client.fire(chip, "select", "true")
    await asyncio.sleep(0)
    return client


def pile_card(client: FakeClient, number: int) -> ft.ListTile:
    return next(c for c in client.controls() if isinstance(c, ft.ListTile)
                and isinstance(c.leading, ft.CircleAvatar)
                and isinstance(c.leading.content, ft.Text)
                and c.leading.content.value == str(number))


def test_on_a_tablet_the_wheel_is_drawn_and_a_card_is_laid_on_a_field_by_tapping_it(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await team_wheel_at(data_dir, 1024)
        assert any(isinstance(c, cv.Canvas) for c in client.controls())
        assert "Feltet Faglighed på samtalehjulet, 0 kort" in semantics_labels(client)
        assert not unlabelled(client) and not same_names(client)

        await client.fire(pile_card(client, 4), "click")
        await asyncio.sleep(0)
        assert "Kort 4 er taget op" in client.texts()
        # A tap low on the wheel, in the middle field (Faglighed lies at the bottom).
        wheel = next(c for c in client.controls() if isinstance(c, ft.GestureDetector))
        await client.fire(wheel, "tap_up", {"l": {"x": SIZE / 2, "y": SIZE * 0.9}})
        await asyncio.sleep(0)

        labels = semantics_labels(client)
        assert "Feltet Faglighed på samtalehjulet, 1 kort" in labels
        assert any(label.startswith("Kort 4 på Faglighed: ") for label in labels)
        assert not unlabelled(client) and not same_names(client)

        await click(client, ft.OutlinedButton, content="Læg kortet på Relationer")
        labels = semantics_labels(client)
        assert "Feltet Relationer på samtalehjulet, 1 kort" in labels
        assert "Feltet Faglighed på samtalehjulet, 0 kort" in labels
        session = client.session_of_app()
        cid = next(cid for cid, e in session.index().items() if e.kind is Kind.TUS)
        assert list(session.meetings.load(cid).minutes.placed_cards.values()) == ["relations"]

    run(scenario())


def test_a_tap_on_the_wheel_with_no_card_picked_up_says_to_pick_one_first(
    data_dir: Path,
) -> None:
    async def scenario() -> None:
        client = await team_wheel_at(data_dir, 1024)
        wheel = next(c for c in client.controls() if isinstance(c, ft.GestureDetector))
        await client.fire(wheel, "tap_up", {"l": {"x": SIZE / 2, "y": SIZE * 0.9}})
        await asyncio.sleep(0)
        assert "Tag først et kort op fra bunken." in client.texts()

    run(scenario())


def test_on_a_phone_the_wheel_stays_a_list_of_its_fields(data_dir: Path) -> None:
    async def scenario() -> None:
        client = await team_wheel_at(data_dir, 390)
        assert not any(isinstance(c, cv.Canvas) for c in client.controls())
        assert "Træk et kort fra Faglighed" in client.shown()

    run(scenario())


def semantics_labels(client: FakeClient) -> list[str]:
    return [c.semantics_label for c in client.controls()
            if isinstance(c, ft.Text) and c.semantics_label]


@pytest.mark.parametrize(("x", "y", "field"), [
    (SIZE * 0.75, SIZE * 0.25, 0), (SIZE / 2, SIZE * 0.95, 1), (SIZE * 0.2, SIZE * 0.3, 2),
    (SIZE / 2, SIZE / 2, None), (2, 2, None),
])
def test_a_tap_lands_on_the_field_drawn_under_it(x: float, y: float, field: int | None) -> None:
    assert field_at(x, y, 3) == field
