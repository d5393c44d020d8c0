"""A whole MUS between separate devices over a real Samba share on loopback."""

from __future__ import annotations

from pathlib import Path

from conversations.model import Role
from sync.envelope import EnvelopeRejected, open_envelope
from sync.smb import SmbShare
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401
from tests.sync_fixtures import (
    conversation,
    directory_of,
    make_person,
    minutes,
    preparation,
    records_of,
)

CONVERSATION = "5b" * 16


def smb_share(server: SambaServer, folder: str) -> SmbShare:
    (server.share_dir / folder).mkdir(exist_ok=True)
    return SmbShare(server.location(folder), username=server.username,
                    password=server.password)


def test_a_mus_flows_between_employee_and_leader_over_samba_and_a_colleague_reads_nothing(
    samba: SambaServer, tmp_path: Path
) -> None:
    people = {
        "emma": make_person(tmp_path, "emma", Role.EMPLOYEE),
        "lars": make_person(tmp_path, "lars", Role.LEADER),
        "olga": make_person(tmp_path, "olga", Role.EMPLOYEE),
        "hanne": make_person(tmp_path, "hanne", Role.HR),
    }
    directory = directory_of(people.values(), {"emma": "lars", "olga": "lars"})
    engines = {
        pid: person.engine(smb_share(samba, "mus-flow"), directory)
        for pid, person in people.items()
    }

    def table(pid: str, name: str) -> dict[str, object]:
        return records_of(people[pid].vault).get(CONVERSATION, {}).get(name, {})

    held = conversation("emma", "lars", CONVERSATION)
    engines["lars"].publish(CONVERSATION, "conversation", held)
    engines["lars"].sync()
    engines["emma"].sync()
    assert table("emma", "conversation")

    prep = preparation(CONVERSATION, "emma", {"q1": "Mere sparring om demens"}, shared=True)
    engines["emma"].publish(CONVERSATION, "preparations", prep)
    engines["emma"].sync()
    engines["lars"].sync()
    assert table("lars", "preparations") == {prep["id"]: prep}

    notes = minutes(CONVERSATION, "lars", {"results": "Aftalt: kursus i forflytning"})
    engines["lars"].publish(CONVERSATION, "minutes", notes)
    engines["lars"].sync()
    engines["emma"].sync()
    assert table("emma", "minutes") == {notes["id"]: notes}

    for pid in ("olga", "hanne"):
        engines[pid].sync()
        assert records_of(people[pid].vault).get(CONVERSATION, {}).get("preparations") is None
        assert records_of(people[pid].vault).get(CONVERSATION, {}).get("minutes") is None
    olga = people["olga"]
    objects = [p for p in (samba.share_dir / "mus-flow" / "objects").rglob("*") if p.is_file()]
    assert len(objects) >= 3
    for path in objects:
        blob = path.read_bytes()
        assert b"demens" not in blob and b"forflytning" not in blob
        try:
            open_envelope(blob, path.name, directory, olga.id, olga.identity)
        except EnvelopeRejected as rejected:
            assert "not_for_me" in str(rejected)
        else:
            raise AssertionError("a colleague could open another person's envelope")
