"""Share housekeeping (``sync.housekeeping``): HR's maintenance run removes an erased
person's own records, conversations past their deadline and superseded versions from
the share — judged from headers alone — and readers pass what it removed in silence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conversations.directory import Directory
from conversations.merge import version_of
from conversations.model import Conversation, ErasureRequest, InputRejected, Kind, Role, State
from conversations.retention import past_deadline, share_keep_until
from services.clock import Clock
from services.privacy_desk import PrivacyDesk
from storage.schema import ERASURE_SHARD, ERASURE_TABLE
from sync.envelope import object_path, read_header
from sync.folder import FolderShare
from sync.housekeeping import (
    FETCH_WINDOW_DAYS,
    MaintenanceReport,
    Mark,
    maintain,
    make_tombstone,
    removed_by_hr,
    tombstone_path,
)
from sync.share import ShareUnavailable
from tests.app_fixtures import first_text_question, session_on
from tests.clock import TODAY
from tests.sync_fixtures import (
    Person,
    anyone_writes,
    conversation,
    directory_of,
    make_person,
    minutes,
    preparation,
    revised,
    share_in,
)
from tests.test_meeting import ANNA, anna_prepares_and_shares, planned_mus, switch
from tests.vault_fixtures import FakeClock

PUSHED = dt.date(2030, 1, 15)  # the day the current conversation's records are pushed
LONG_AGO = dt.date(2024, 1, 10)  # the day the old conversation was pushed
RUN_DAY = dt.date(2030, 2, 1)  # the old one is past its deadline (2029-01), the other not


def at(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC).timestamp()


class Office:
    """Anna (employee), Mette (her leader), Henrik (HR), Sofie (a colleague who reads
    nothing of theirs) on one folder share, each with their own device."""

    def __init__(self, tmp: Path) -> None:
        self.clock = FakeClock(at(LONG_AGO))
        self.anna = make_person(tmp, "anna")
        self.mette = make_person(tmp, "mette", Role.LEADER)
        self.henrik = make_person(tmp, "henrik", Role.HR)
        self.sofie = make_person(tmp, "sofie")
        self.directory: Directory = directory_of(
            [self.anna, self.mette, self.henrik, self.sofie], {"anna": "mette"})
        self.share: FolderShare = share_in(tmp)
        self.records: dict[str, list[str]] = {}  # name -> envelope hashes pushed

    def publish(self, person: Person, name: str, shard: str, table: str,
                record: dict[str, Any]) -> None:
        engine = person.engine(self.share, self.directory, rights=anyone_writes,
                               clock=self.clock)
        before = self.objects()
        engine.publish(shard, table, record)
        engine.sync()
        self.records.setdefault(name, []).extend(sorted(self.objects() - before))

    def sync(self, person: Person) -> list[str]:
        engine = person.engine(self.share, self.directory, rights=anyone_writes,
                               clock=self.clock)
        return engine.sync().rejected

    def objects(self) -> set[str]:
        root = self.share.root / "objects"
        return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()

    def maintain(self, today: dt.date, marks: list[Mark] | None = None,
                 share: Any = None) -> MaintenanceReport:
        return maintain(share or self.share, self.directory, hr_id="henrik",
                        identity=self.henrik.identity, today=today, erased={"anna"},
                        marks=marks or [])


def old_conversation(employee: str, leader: str) -> dict[str, Any]:
    return Conversation(
        kind=Kind.MUS, sheet_id="mus", sheet_version=1, leader_id=leader,
        participant_ids=(employee,), planned_at=dt.datetime(2024, 1, 8, 9, 0),
        state=State.HELD, author=leader,
    ).to_dict()


def erasure_request(person: str) -> dict[str, Any]:
    record = ErasureRequest(person_id=person, author=person,
                            requested_at=dt.datetime.combine(PUSHED, dt.time(10),
                                                             tzinfo=dt.UTC)).to_dict()
    return {**record, "version": version_of(record)}


@pytest.fixture
def office(tmp_path: Path) -> Office:
    """An old conversation pushed in 2024; a current one with Anna's preparation in
    three versions (the last emptied by her erasure), Mette's own preparation, Mette's
    minutes in two versions, and Anna's erasure request."""
    o = Office(tmp_path)
    old = old_conversation("anna", "mette")
    o.publish(o.mette, "old conversation", old["id"], "conversation", old)
    old_notes = minutes(old["id"], "mette", {"t1": "gammelt referat"})
    o.publish(o.mette, "old minutes", old["id"], "minutes", old_notes)
    o.clock.now = at(PUSHED)
    current = conversation("anna", "mette")
    cid = current["id"]
    o.publish(o.mette, "conversation", cid, "conversation", current)
    o.sync(o.anna)
    first = preparation(cid, "anna", {"q1": "Anna skriver om sin ryg"})
    o.publish(o.anna, "anna prep", cid, "preparations", first)
    second = revised(first, answers={"q1": "Anna skriver mere om sin ryg"})
    o.publish(o.anna, "anna prep", cid, "preparations", second)
    o.sync(o.mette)
    o.publish(o.mette, "mette prep", cid, "preparations",
              preparation(cid, "mette", {"q1": "Mettes stikord"}))
    notes = minutes(cid, "mette", {"t1": "referat"})
    o.publish(o.mette, "minutes v1", cid, "minutes", notes)
    o.publish(o.mette, "minutes v2", cid, "minutes", revised(notes, notes={"t1": "mere"}))
    o.publish(o.anna, "anna prep emptied", cid, "preparations",
              revised(second, answers={}))
    o.publish(o.anna, "erasure request", ERASURE_SHARD, ERASURE_TABLE, erasure_request("anna"))
    return o


def hashes(office: Office, *names: str) -> set[str]:
    return {h for name in names for h in office.records[name]}


def test_the_deadline_rides_in_the_header_and_passes_by_the_month() -> None:
    held = old_conversation("anna", "mette")
    assert share_keep_until(held, LONG_AGO) == "2029-01"
    assert share_keep_until(None, LONG_AGO) is None
    agreed = {**held, "state": "agreed", "follow_up_due": "2025-06-30"}
    assert share_keep_until(agreed, LONG_AGO) == "2030-06"  # kept past the follow-up
    assert share_keep_until({**agreed, "follow_up_due": None}, LONG_AGO) is None
    assert not past_deadline("2029-01", dt.date(2029, 1, 31))
    assert past_deadline("2029-01", dt.date(2029, 2, 1))


def test_an_erased_persons_preparations_and_a_conversation_past_its_deadline_leave_the_share(
    office: Office,
) -> None:
    before = office.objects()
    sizes = {h: len(office.share.read(object_path(h)) or b"") for h in before}
    report = office.maintain(RUN_DAY)
    gone = before - office.objects()
    # Anna's versions that held content; the emptied one stays for the fetch window
    expected = hashes(office, "anna prep", "old conversation", "old minutes")
    assert gone == expected
    assert report.removed == {"erasure": 2, "retention": 2, "superseded": 0}
    assert report.freed_total == sum(sizes[h] for h in gone)
    for digest in gone:
        assert office.share.read(object_path(digest)) is None
        assert removed_by_hr(office.share, digest, office.directory)
    # nothing else: the current conversation, Mette's own records, the request
    kept = hashes(office, "conversation", "mette prep", "minutes v1", "minutes v2",
                  "anna prep emptied", "erasure request")
    assert kept <= office.objects()


def test_once_the_fetch_window_has_passed_the_emptied_version_and_superseded_ones_go_too(
    office: Office,
) -> None:
    first = office.maintain(RUN_DAY)
    later = RUN_DAY + dt.timedelta(days=FETCH_WINDOW_DAYS)
    # a day before the window has passed, a run removes nothing more
    assert office.maintain(later - dt.timedelta(days=1), marks=first.marks).removed_total == 0
    second = office.maintain(later, marks=first.marks)
    assert second.removed == {"erasure": 1, "retention": 0, "superseded": 1}
    assert not hashes(office, "anna prep", "anna prep emptied", "minutes v1") & office.objects()
    assert hashes(office, "conversation", "mette prep", "minutes v2",
                  "erasure request") <= office.objects()


def test_nothing_superseded_goes_on_a_first_run_whatever_the_day(office: Office) -> None:
    report = office.maintain(RUN_DAY + dt.timedelta(days=3 * FETCH_WINDOW_DAYS))
    assert report.removed["superseded"] == 0
    assert hashes(office, "minutes v1") <= office.objects()


def test_readers_pass_what_hr_removed_in_silence_but_report_what_someone_else_deleted(
    office: Office,
) -> None:
    office.maintain(RUN_DAY)
    assert office.sync(office.sofie) == []  # a first sync, over every journal
    assert office.sync(office.mette) == []
    newest = office.records["minutes v2"][0]
    notes = read_header(office.share.read(object_path(newest)) or b"")
    third = revised(office_minutes(office, notes.shard), notes={"t1": "endnu mere"})
    office.publish(office.mette, "minutes v3", notes.shard, "minutes", third)
    (stolen,) = hashes(office, "minutes v3")
    (office.share.root / object_path(stolen)).unlink()  # not by HR: no tombstone
    assert office.sync(office.anna) == [f"envelope {stolen}: missing"]


def office_minutes(office: Office, shard: str) -> dict[str, Any]:
    """Mette's minutes of the conversation as her vault holds them now."""
    return dict(next(iter(office.mette.vault.read_shard(shard)["minutes"].values())))


def test_only_a_tombstone_signed_by_hr_counts(office: Office) -> None:
    (digest,) = hashes(office, "minutes v2")
    forged = make_tombstone(office.anna.identity, digest=digest, by="anna")
    office.share.write_once(tombstone_path(digest), forged)
    assert not removed_by_hr(office.share, digest, office.directory)
    other = hashes(office, "mette prep").pop()
    as_henrik = make_tombstone(office.anna.identity, digest=other, by="henrik")
    office.share.write_once(tombstone_path(other), as_henrik)
    assert not removed_by_hr(office.share, other, office.directory)
    genuine = make_tombstone(office.henrik.identity, digest=digest, by="henrik")
    assert office.share.remove(tombstone_path(digest))
    office.share.write_once(tombstone_path(digest), genuine)
    assert removed_by_hr(office.share, digest, office.directory)


def test_only_hr_runs_maintenance(office: Office) -> None:
    with pytest.raises(ValueError, match="only HR"):
        maintain(office.share, office.directory, hr_id="mette",
                 identity=office.mette.identity, today=RUN_DAY, erased=(), marks=())


class CutAfter:
    """The share, cut after ``removals`` files were removed."""

    def __init__(self, share: FolderShare, removals: int) -> None:
        self.share, self.left = share, removals

    def read(self, path: str) -> bytes | None:
        return self.share.read(path)

    def write_once(self, path: str, data: bytes) -> bool:
        return self.share.write_once(path, data)

    def list(self, folder: str) -> list[str]:
        return self.share.list(folder)

    def sweep_temps(self) -> int:
        return self.share.sweep_temps()

    def remove(self, path: str) -> bool:
        if self.left == 0:
            raise ShareUnavailable("cut")
        self.left -= 1
        return self.share.remove(path)


def test_a_run_cut_midway_leaves_nothing_reported_and_the_next_run_finishes(
    office: Office,
) -> None:
    before = office.objects()
    with pytest.raises(ShareUnavailable):
        office.maintain(RUN_DAY, share=CutAfter(office.share, 1))
    assert len(before - office.objects()) == 1
    assert office.sync(office.sofie) == []  # nothing removed without its tombstone
    report = office.maintain(RUN_DAY)
    assert report.removed_total == 3  # the rest, whether finished or planned again
    assert before - office.objects() == hashes(
        office, "anna prep", "old conversation", "old minutes")


def test_envelopes_carry_their_deadline_and_older_ones_without_it_still_open(
    office: Office,
) -> None:
    (old,) = hashes(office, "old conversation")
    (new,) = hashes(office, "conversation")
    (request,) = hashes(office, "erasure request")
    header = read_header(office.share.read(object_path(old)) or b"")
    assert header.keep_until == "2029-01"
    assert read_header(office.share.read(object_path(new)) or b"").keep_until == "2036-03"
    assert read_header(office.share.read(object_path(request)) or b"").keep_until is None


# --- through HR's desk, on the demo ---------------------------------------------------------


def anna_preparations(share: Any) -> dict[str, Any]:
    """Hash -> header of every preparation envelope Anna sent that is on the share."""
    found = {}
    for prefix in share.list("objects"):
        for name in share.list(f"objects/{prefix}"):
            header = read_header(share.read(f"objects/{prefix}/{name}") or b"")
            if header.sender == ANNA.id and header.type == "preparation":
                found[name] = header
    return found


def test_hr_maintenance_from_the_desk_takes_an_erased_persons_preparations_off_the_share(
    tmp_path: Path,
) -> None:
    tablet = session_on(tmp_path)
    tablet.create_demo()
    switch(tablet, 6)  # Mette plans Anna's MUS
    cid = planned_mus(tablet)
    anna_prepares_and_shares(tablet, cid, "Anna skriver om sin ryg")
    tablet.open_draft(cid)
    tablet.set_answer(cid, first_text_question(tablet, cid), "Anna skriver mere om sin ryg")
    tablet.close_draft(cid)
    tablet.sync()
    PrivacyDesk(tablet).request_erasure()
    tablet.sync()
    share = tablet.open_share()
    before = anna_preparations(share)
    others = set(_all_objects(share)) - set(before)
    switch(tablet, 2)  # Henrik from HR
    desk = PrivacyDesk(tablet)
    first = desk.maintain_share()
    left = anna_preparations(share)
    assert first.removed["erasure"] == len(before) - len(left) > 0
    versions = {h.version for h in left.values()}
    assert not any({*h.parents, *h.links} & versions for h in left.values())  # newest only
    tablet.clock = Clock(TODAY + dt.timedelta(days=FETCH_WINDOW_DAYS))
    second = desk.maintain_share()
    assert anna_preparations(share) == {}
    assert second.removed["erasure"] == len(left)
    assert others <= set(_all_objects(share))  # nothing else went
    assert [e["action"] for e in desk.audit()][:2] == ["share_maintenance"] * 2
    switch(tablet, 6)
    assert tablet.sync().rejected == []


def test_only_hr_may_run_maintenance_from_the_desk(tmp_path: Path) -> None:
    tablet = session_on(tmp_path)
    tablet.create_demo()
    with pytest.raises(InputRejected, match="maintenance_not_allowed"):
        PrivacyDesk(tablet).maintain_share()


def _all_objects(share: Any) -> list[str]:
    return [name for prefix in share.list("objects") for name in share.list(f"objects/{prefix}")]
