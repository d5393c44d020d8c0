"""The conversation wheel as a board: dialog cards laid on its three fields, kept with the
minutes; refused for a card or field that is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations import demo
from conversations.model import InputRejected, Kind
from conversations.team import cards_on_wheel, dialog_deck, with_card_placed
from resources.library import load_library
from tests.app_fixtures import session_on

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
