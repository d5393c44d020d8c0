"""Text that cannot be kept is refused with a message in the person's language, never
a UnicodeEncodeError from deep inside the vault."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.model import InputRejected, Person, Preparation, storable_text
from resources.texts import Texts
from tests.app_fixtures import first_text_question, session_on

LONE_SURROGATE = "Mere sparring \ud83d med kollegerne"


@pytest.mark.parametrize("text", [LONE_SURROGATE, "slut\udfff", "a\x07b", "\x1b[31mrød"])
def test_a_lone_surrogate_or_a_control_character_is_refused_with_a_translated_message(
    text: str,
) -> None:
    with pytest.raises(InputRejected) as caught:
        Preparation(conversation_id="c" * 32, author="anna").with_answer("q1", text)
    assert caught.value.key == "error.text_unstorable"
    danish = Texts("da")(caught.value.key, **caught.value.params)
    english = Texts("en")(caught.value.key, **caught.value.params)
    assert "ikke kan gemmes" in danish and "cannot be saved" in english
    assert "U+" in danish


def test_what_word_pastes_is_kept_and_invisible_leftovers_are_cleaned() -> None:
    pasted = "“Sårpleje” – kursus\x0bnæste linje\x00\tmed tab 😊"
    assert storable_text(pasted) == "“Sårpleje” – kursus\nnæste linje\tmed tab 😊"


def test_a_name_with_half_a_character_is_refused() -> None:
    with pytest.raises(InputRejected):
        Person(name="Anna \ud800")


def test_an_answer_typed_into_the_app_with_a_lone_surrogate_changes_nothing(
    tmp_path: Path,
) -> None:
    session = session_on(tmp_path)
    session.create_demo()
    cid = next(s.id for _, items in session.home() for s in items if s.answered)
    session.open_draft(cid)
    question = first_text_question(session, cid)
    before = session.unlocked_vault().read_shard(cid)
    with pytest.raises(InputRejected) as caught:
        session.set_answer(cid, question, LONE_SURROGATE)
    assert caught.value.key == "error.text_unstorable"
    session.close_draft(cid)
    assert session.unlocked_vault().read_shard(cid) == before
