"""Nothing on the share names a person or the organisation, except the organisation's
public card: envelopes, journals, hints, directory versions and join requests carry
random ids and ciphertext only."""

from __future__ import annotations

import json
from pathlib import Path

from conversations import demo
from conversations.demo import DEMO_PIN
from tests.app_fixtures import first_text_question, session_on

CARD = "organisation/card"


def spellings(name: str) -> list[bytes]:
    """How a name could sit in a file: UTF-8, JSON-escaped, UTF-16."""
    return [name.encode(), json.dumps(name)[1:-1].encode(), name.encode("utf-16-le")]


def test_nothing_on_the_share_but_the_card_names_a_person_or_the_organisation(
    tmp_path: Path,
) -> None:
    anna = session_on(tmp_path)
    anna.create_demo()
    mus = next(s for _, items in anna.home() for s in items if s.answered)
    anna.open_draft(mus.id)
    anna.set_answer(mus.id, first_text_question(anna, mus.id), "Mere sparring")
    anna.set_shared(mus.id, True)
    anna.close_draft(mus.id)
    anna.sync()
    names = {anna.me.name} if anna.me else set()
    anna.lock()
    for info in session_on(tmp_path).profiles():
        other = session_on(tmp_path)
        other.unlock(info.id, DEMO_PIN)
        assert other.me is not None
        names.add(other.me.name)
        other.sync()
        other.lock()
    share = Path(anna.default_share())
    words = {demo.ORGANISATION, *names, *(part for n in names for part in n.split())}
    assert len(names) >= 3 and (share / CARD).is_file()
    files = [p for p in share.rglob("*") if p.is_file()]
    assert any("directory" in p.parts for p in files)  # the sealed directory is checked too
    found = [
        (p.relative_to(share).as_posix(), word)
        for p in files if p.relative_to(share).as_posix() != CARD
        for word in words
        if any(form in p.read_bytes() or form in str(p.relative_to(share)).encode()
               for form in spellings(word))
    ]
    assert found == []
