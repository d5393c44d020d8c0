"""Write rights on the share: a dishonest member who forges versions of other people's
records, signed with his own key, changes nothing on honest devices.

Mette (leader), Anna (her employee) and Hanne (HR) work on three devices; Kim, a
colleague in the same directory, reads every record on every device (the worst case) and
publishes forged versions through his own journal: every record type, every field,
claimed authors, parents pointing at the real tips, sealed for everyone. The honest
devices must end exactly as the same honest work without Kim ends, seal nothing for Kim
that the rules do not give him, and report every forged version — each once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.directory import Directory, Policy
from conversations.merge import version_of
from conversations.model import (
    Agreement,
    Conversation,
    Goal,
    InputRejected,
    Kind,
    Minutes,
    Preparation,
    Role,
    State,
)
from storage import sealing
from sync.engine import SyncEngine, SyncReport
from sync.envelope import object_path, read_header, seal_envelope
from sync.identity import install_identity
from sync.inbox import end_of, entry_path, inbox_folder, inbox_of, make_entry
from sync.journal import make_segment, segment_path
from sync.signing import sign_agreement
from tests.sync_fixtures import Person, directory_of, make_person, records_of, revised, share_in
from tests.vault_fixtures import FakeClock

CONVERSATION = "c1" * 16
CATALOGUE = "c0" + "0" * 30
OTHER_SHARD = "d2" * 16  # a coverage record's place
PREP, MINUTES, AGREEMENT, RATINGS = "p" * 32, "m" * 32, "a" * 32, "r" * 32
COURSE, COVERAGE = "k" * 32, "v" * 32
HONEST = ("mette", "anna", "hanne")
ROLES = {"mette": Role.LEADER, "anna": Role.EMPLOYEE, "hanne": Role.HR, "kim": Role.EMPLOYEE}
IDENTITIES = {pid: sealing.new_identity() for pid in ROLES}  # the same keys in both runs
SIGNED_AT = dt.datetime(2031, 3, 4, 10, 0, tzinfo=dt.UTC)
TABLE_OF = {
    "conversation": "conversation", "preparation": "preparations", "minutes": "minutes",
    "agreement": "agreements", "team_plan": "team_plans", "reminder": "reminders",
    "follow_up": "follow_ups", "competence_ratings": "competence_ratings",
    "course": "courses", "course_completion": "completions", "coverage": "coverage",
    "erasure_request": "erasure_requests",
}


class World:
    """One run: the share, the four devices, and everything the honest ones reported."""

    def __init__(self, tmp: Path) -> None:
        self.share = share_in(tmp)
        self.people: dict[str, Person] = {}
        for pid, role in ROLES.items():
            person = make_person(tmp, pid, role)
            install_identity(person.vault, IDENTITIES[pid])
            self.people[pid] = person
        members = directory_of(self.people.values(), {"anna": "mette", "kim": "mette"}).members
        self.directory = Directory(1, members, Policy(agreements_to_hr=True))
        self.engines = {
            pid: SyncEngine(self.people[pid].vault, self.share, self.directory, pid,
                            clock=FakeClock(), log=logging.getLogger("samtale.sync"))
            for pid in HONEST
        }
        self.reports: dict[str, list[SyncReport]] = {pid: [] for pid in HONEST}
        self.forged: list[str] = []
        self._kim_seq = 0
        self.publish("mette", CONVERSATION, "conversation", Conversation(
            id=CONVERSATION, kind=Kind.MUS, sheet_id="mus", sheet_version=1,
            leader_id="mette", participant_ids=("anna",), state=State.INVITED,
            planned_at=dt.datetime(2031, 3, 4, 9, 0), author="mette").to_dict())
        for pid in ("mette", "anna", "hanne"):
            self.sync(pid)

    # -- honest work ----------------------------------------------------------------

    def publish(self, pid: str, shard: str, table: str, record: dict[str, Any]) -> None:
        self.engines[pid].publish(shard, table, record)

    def sync(self, pid: str) -> None:
        self.reports[pid].append(self.engines[pid].sync())

    def held(self, pid: str, shard: str, table: str, rid: str) -> dict[str, Any] | None:
        return self.people[pid].vault.read_shard(shard).get(table, {}).get(rid)

    def honest(self, step: tuple[Any, ...]) -> None:
        kind, value = step
        if kind == "sync":
            self.sync(value)
        elif kind == "answer":
            text, shared = value
            now = self.held("anna", CONVERSATION, "preparations", PREP)
            record = (
                Preparation(id=PREP, conversation_id=CONVERSATION, answers={"q1": text},
                            shared_with_leader=shared, author="anna").to_dict()
                if now is None else
                revised(now, answers={**now["answers"], "q1": text}, shared_with_leader=shared)
            )
            self.publish("anna", CONVERSATION, "preparations", record)
        elif kind == "minutes":
            now = self.held("mette", CONVERSATION, "minutes", MINUTES)
            record = (Minutes(id=MINUTES, conversation_id=CONVERSATION, notes={"t1": value},
                              author="mette").to_dict()
                      if now is None else revised(now, notes={"t1": value}))
            self.publish("mette", CONVERSATION, "minutes", record)
        elif kind == "goals":
            now = self.held("mette", CONVERSATION, "agreements", AGREEMENT)
            goals = [{"id": "g1", "theme_id": "t1", "what": value, "practice_field": "course",
                      "responsible_id": "anna", "deadline": None, "status": "open",
                      "approved_by_leader": False}]
            record = (Agreement(id=AGREEMENT, conversation_id=CONVERSATION,
                                goals=(Goal(id="g1", theme_id="t1", what=value,
                                            responsible_id="anna"),),
                                author="mette").to_dict()
                      if now is None else revised(now, goals=goals, author="mette"))
            self.publish("mette", CONVERSATION, "agreements", record)
        elif kind == "sign":
            now = self.held("anna", CONVERSATION, "agreements", AGREEMENT)
            if now is None:
                return
            try:
                signed = sign_agreement(Agreement.from_dict(now), "anna", IDENTITIES["anna"],
                                        SIGNED_AT)
            except InputRejected:
                return  # signed already
            self.publish("anna", CONVERSATION, "agreements", signed.to_dict())
        elif kind == "state":
            now = self.held("mette", CONVERSATION, "conversation", CONVERSATION)
            assert now is not None
            conversation = Conversation.from_dict(now)
            if conversation.state in (State.INVITED, State.PREPARING):
                self.publish("mette", CONVERSATION, "conversation",
                             conversation.moved_to(State.HELD, "mette").to_dict())
        elif kind == "course":
            now = self.held("hanne", CATALOGUE, "courses", COURSE)
            record = ({"id": COURSE, "type": "course", "author": "hanne", "parents": [],
                       "title": value, "competence_ids": ["c1"], "delivery": "internal"}
                      if now is None else revised(now, title=value))
            record["version"] = version_of(record)
            self.publish("hanne", CATALOGUE, "courses", record)
        elif kind == "ratings":
            now = self.held("anna", CONVERSATION, "competence_ratings", RATINGS)
            record = ({"id": RATINGS, "type": "competence_ratings", "author": "anna",
                       "parents": [], "person_id": "anna", "conversation_id": CONVERSATION,
                       "year": 2031, "ratings": {"c1": value}, "by_leader": False}
                      if now is None else revised(now, ratings={"c1": value}))
            record["version"] = version_of(record)
            self.publish("anna", CONVERSATION, "competence_ratings", record)

    # -- Kim's forgeries ----------------------------------------------------------------

    def forge(self, draw: Callable[[Any], Any]) -> None:
        """One forged version, chosen with ``draw``, published through Kim's journal."""
        n = len(self.forged)
        known = [
            (shard, table, record)
            for pid in HONEST
            for shard, tables in records_of(self.people[pid].vault).items()
            for table, rows in tables.items() if table != "conflicts"
            for record in rows.values()
        ]
        author = draw(st.sampled_from(["kim", "mette", "anna", "hanne"]))
        if known and draw(st.booleans()):
            shard, table, tip = draw(st.sampled_from(known))
            field = draw(st.sampled_from(sorted(
                set(tip) - {"id", "type", "author", "parents", "version"}
            ) or ["forged"]))
            record = revised(tip, **{field: forged_value(field, tip.get(field), n)},
                             author=author, forged=n)
        else:
            shard, table, record = new_forgery(draw, author, n)
        self.kim_publish(shard, table, record)

    def kim_publish(self, shard: str, table: str, record: dict[str, Any]) -> None:
        kim = self.people["kim"]
        record = {**record, "version": version_of(record)}
        digest, blob = seal_envelope(
            record, shard=shard, table=table, sender="kim", device=kim.device,
            identity=IDENTITIES["kim"],
            recipients={pid: IDENTITIES[pid].public().enc for pid in ROLES},
        )
        self.forged.append(digest)
        self.kim_list([digest], blob)

    def kim_list(self, hashes: list[str], blob: bytes | None = None) -> None:
        """A segment of Kim's journal listing ``hashes`` (a replay when they are old)."""
        kim = self.people["kim"]
        if blob is not None:
            self.share.write_once(object_path(hashes[0]), blob)
        self._kim_seq += 1
        self.share.write_once(segment_path(kim.device, self._kim_seq), make_segment(
            IDENTITIES["kim"], sender="kim", device=kim.device, seq=self._kim_seq,
            objects=hashes))
        for pid in ROLES:  # and announces them in everyone's inbox
            inbox = inbox_of(IDENTITIES[pid].public().enc)
            n = end_of(self.share, inbox) + 1
            while not self.share.write_once(entry_path(inbox, n), make_entry(
                    IDENTITIES["kim"], inbox=inbox, n=n, sender="kim", device=kim.device,
                    seq=self._kim_seq, objects=hashes)):
                n += 1

    # -- what the test compares -------------------------------------------------------------

    def settle(self) -> None:
        for _ in range(2):
            for pid in HONEST:
                self.sync(pid)

    def state(self) -> dict[str, Any]:
        return {pid: records_of(self.people[pid].vault) for pid in HONEST}

    def honest_recipients(self) -> dict[tuple[str, str], frozenset[str]]:
        """(type, version) -> recipients of every envelope an honest device sent."""
        found = {}
        for path in (self.share.root / "objects").rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                header = read_header(path.read_bytes())
                if header.sender != "kim":
                    found[(header.type, header.version)] = frozenset(header.recipients)
        return found


def forged_value(field: str, value: Any, n: int) -> Any:
    """Something else for ``field``: Kim himself where a person goes, otherwise a change."""
    if field in ("leader_id", "delegate_leader_id", "companion_id", "person_id",
                 "signer_id", "responsible_id"):
        return "kim"
    if field == "participant_ids":
        return [*(value or []), "kim"]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, dict):
        return {**value, "q1": f"forged {n}"}
    if isinstance(value, list):
        return [*value, f"forged {n}"]
    return f"forged {n}"


def new_forgery(
    draw: Callable[[Any], Any], author: str, n: int
) -> tuple[str, str, dict[str, Any]]:
    """A new record of any type, aimed at the real conversation or catalogue."""
    kind = draw(st.sampled_from(sorted(TABLE_OF)))
    rid = f"{n:032x}"
    base: dict[str, Any] = {"id": rid, "type": kind, "author": author, "parents": [],
                            "forged": n}
    shard = CONVERSATION
    if kind == "conversation":  # a rival first version of Mette's conversation
        base.update(id=CONVERSATION, kind="MUS", sheet_id="mus", sheet_version=1,
                    leader_id=draw(st.sampled_from(["kim", "mette"])),
                    delegate_leader_id="kim", participant_ids=["anna"], state="held")
    elif kind in ("course", "course_completion", "erasure_request"):
        shard = CATALOGUE
        base.update(title=f"forged {n}", competence_ids=["c1"], delivery="internal",
                    person_id="anna", course_id=COURSE, completed_on="2031-01-01",
                    requested_at="2031-01-01T00:00:00")
    elif kind == "coverage":
        shard = OTHER_SHARD
        base.update(leader_id="mette", year=2031, done=9, led=9)
    else:
        base.update(conversation_id=CONVERSATION, answers={"q1": f"forged {n}"},
                    shared_with_leader=True, notes={"t1": "forged"}, person_id="anna",
                    year=2031, ratings={"c1": 5}, by_leader=True, about="follow_up",
                    goals=[], signatures=[], actions=[], member_goals={})
    return shard, TABLE_OF[kind], base


HONEST_STEP = st.one_of(
    st.tuples(st.just("sync"), st.sampled_from(HONEST)),
    st.tuples(st.just("answer"), st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans())),
    st.tuples(st.just("minutes"), st.sampled_from(["x", "y"])),
    st.tuples(st.just("goals"), st.sampled_from(["Kursus", "Mentor"])),
    st.tuples(st.just("sign"), st.none()),
    st.tuples(st.just("state"), st.none()),
    st.tuples(st.just("course"), st.sampled_from(["Sårpleje", "Forflytning"])),
    st.tuples(st.just("ratings"), st.integers(1, 5)),
)
STEP = st.one_of(
    HONEST_STEP.map(lambda s: ("honest", s)),
    st.just(("forge", None)),
    st.just(("replay", None)),
)


@pytest.mark.slow
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=4, max_size=25), data=st.data())
def test_a_dishonest_member_changes_nothing_on_honest_devices_and_every_forgery_is_reported(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, Any]], data: st.DataObject
) -> None:
    honest_only = World(tmp_path_factory.mktemp("honest"))
    attacked = World(tmp_path_factory.mktemp("attacked"))
    for kind, step in steps:
        if kind == "honest":
            honest_only.honest(step)
            attacked.honest(step)
        elif kind == "forge":
            attacked.forge(data.draw)
        elif attacked.forged:  # Kim lists an old forgery again in a new segment
            attacked.kim_list([data.draw(st.sampled_from(attacked.forged))])
    attacked.forge(data.draw)  # at least one
    honest_only.settle()
    attacked.settle()

    assert attacked.state() == honest_only.state()
    recipients = attacked.honest_recipients()
    assert recipients == honest_only.honest_recipients()
    assert all("kim" not in people for (kind, _), people in recipients.items()
               if kind != "course")  # the catalogue is the only thing everyone reads
    for pid in HONEST:
        assert not any(r.refused for r in honest_only.reports[pid])
        counts = Counter(f.hash for r in attacked.reports[pid] for f in r.refused)
        assert all(n == 1 for n in counts.values()), f"{pid} was told twice"
    reported = {f.hash for pid in HONEST for r in attacked.reports[pid] for f in r.refused}
    assert reported == set(attacked.forged)


def test_a_member_who_names_himself_delegate_never_receives_the_next_shared_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(tmp_path)
    tip = world.held("mette", CONVERSATION, "conversation", CONVERSATION)
    assert tip is not None
    caplog.set_level(logging.WARNING, logger="samtale.sync")
    world.kim_publish(CONVERSATION, "conversation",
                      revised(tip, delegate_leader_id="kim", author="mette"))
    world.kim_publish(CONVERSATION, "conversation",
                      revised(tip, delegate_leader_id="kim", author="kim"))
    world.kim_list(list(world.forged))  # and both again, replayed
    for pid in ("mette", "anna"):
        world.sync(pid)
    assert world.held("anna", CONVERSATION, "conversation", CONVERSATION) == tip
    world.honest(("answer", ("Mere sparring", True)))
    world.sync("anna")
    recipients = world.honest_recipients()
    assert all("kim" not in people for people in recipients.values())
    told = [f for r in world.reports["anna"] for f in r.refused]
    assert sorted(f.hash for f in told) == sorted(world.forged)  # each once
    assert all("anna" in f.concerns and f.sender == "kim" for f in told)
    lines = [r.getMessage() for r in caplog.records if "not_authorised" in r.getMessage()]
    assert len(lines) == 4 and not any("Mere sparring" in line for line in lines)


def test_a_preparation_forged_in_anna_s_name_never_reaches_mette(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.kim_publish(CONVERSATION, "preparations", Preparation(
        id=PREP, conversation_id=CONVERSATION, answers={"q1": "opdigtet"},
        shared_with_leader=True, author="anna").to_dict())
    world.sync("mette")
    assert world.held("mette", CONVERSATION, "preparations", PREP) is None
    (refused,) = world.reports["mette"][-1].refused
    assert refused.rule == "not signed by its author" and "anna" in refused.concerns


def test_a_version_that_arrives_before_its_conversation_waits_for_it(tmp_path: Path) -> None:
    """Who may write a preparation depends on its conversation: a device that reads
    Anna's entry before Mette's conversation (someone swapped the two in Mette's inbox,
    and the conversation's slot was not there yet when it looked) keeps her preparation
    back (neither taken nor refused) and takes it once the conversation is there."""
    world = World(tmp_path)
    mette = world.people["mette"]
    late = make_person(tmp_path, "mette", Role.LEADER, device="-laptop")
    install_identity(late.vault, IDENTITIES["mette"])
    world.honest(("answer", ("svar", True)))
    world.sync("anna")
    inbox = world.share.root / inbox_folder(inbox_of(IDENTITIES["mette"].public().enc))
    by_device = {json.loads(p.read_bytes()[5:-64])["device"]: p
                 for p in inbox.rglob("0*") if p.is_file()}
    planned, answered = by_device[mette.device], by_device[world.people["anna"].device]
    assert int(planned.name) < int(answered.name)
    one, two = planned.read_bytes(), answered.read_bytes()
    planned.write_bytes(two)
    answered.write_bytes(one)
    hidden = answered.name

    class NotThereYet:
        def __getattr__(self, name: str) -> Any:
            return getattr(world.share, name)

        def read(self, path: str) -> bytes | None:
            return None if path.endswith(hidden) else world.share.read(path)

        def list(self, folder: str) -> list[str]:
            return [n for n in world.share.list(folder) if n != hidden]

    engine = SyncEngine(late.vault, NotThereYet(), world.directory, "mette", clock=FakeClock())
    first = engine.sync()
    assert first.pulled == 0 and not first.refused
    assert late.vault.read_shard(CONVERSATION) == {}
    engine = SyncEngine(late.vault, world.share, world.directory, "mette", clock=FakeClock())
    engine.sync()
    shard = late.vault.read_shard(CONVERSATION)
    assert set(shard["preparations"]) == {PREP} and set(shard["conversation"]) == {CONVERSATION}
