"""A change to the directory reaches a device in proportion to the change, not to the
directory's size: hires, leavers, new keys, newcomers, directories of before, and
change files that are not genuine (``sync.organisation`` has the design)."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conversations.directory import Directory, Member, Policy
from conversations.records import canonical_json
from storage import sealing
from storage.sealing import Identity
from sync import organisation as org_mod
from sync.folder import FolderShare
from sync.organisation import (
    ORG_RECIPIENT,
    DirectoryChain,
    change_path,
    directory_path,
    follow_directory,
    grant_path,
    keys_replaced,
    publish_directory,
    read_directory,
)
from sync.share import Share
from sync.smb import SmbShare
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401
from tests.sync_fixtures import CountingShare

LOG = "samtale.sync"


@dataclass
class Office:
    share: FolderShare
    org: Identity
    people: dict[str, Identity]
    hr: DirectoryChain
    held: dict[str, DirectoryChain] = field(default_factory=dict)

    @property
    def pinned(self) -> str:
        return self.org.public().sign

    @property
    def directory(self) -> Directory:
        return self.hr.directory

    def publish(self, directory: Directory) -> Directory:
        self.hr = publish_directory(self.share, directory, self.org, self.hr)
        return directory

    def follow(self, pid: str, share: Share | None = None) -> DirectoryChain | None:
        chain = follow_directory(share or self.share, self.pinned, pid, self.people[pid],
                                 self.held.get(pid))
        if chain is not None:
            self.held[pid] = chain
        return chain

    def hire(self, pid: str, **fields: object) -> Directory:
        self.people[pid] = sealing.new_identity()
        return self.publish(self.directory.with_member(_member(pid, self.people[pid],
                                                               **fields)))


def _member(pid: str, identity: Identity, **fields: object) -> Member:
    keys = identity.public()
    return Member(id=pid, name=f"Navn {pid}", enc_key=keys.enc, sign_key=keys.sign,
                  **fields)  # type: ignore[arg-type]


def _office(root: Path, size: int = 12) -> Office:
    root.mkdir(exist_ok=True)
    share = FolderShare(root)
    people = {f"p{i:04d}": sealing.new_identity() for i in range(size)}
    members = {pid: _member(pid, identity) for pid, identity in people.items()}
    org = sealing.new_identity()
    office = Office(share, org, people, publish_directory(share, Directory(1, members), org))
    for pid in people:
        office.follow(pid)
    return office


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return _office(tmp_path / "share")


def test_a_hire_reaches_a_member_as_one_small_change_file(tmp_path: Path) -> None:
    office = _office(tmp_path / "share", size=600)
    snapshot = (office.share.root / directory_path(1)).stat().st_size
    hired = office.hire("birgitte", team="Team Syd")
    counted = CountingShare(office.share)
    chain = office.follow("p0001", counted)
    assert chain is not None and chain.directory == hired
    assert counted.reads == 2  # the change, and the next slot, empty
    assert counted.bytes < 2_000 < snapshot // 20


def test_a_leaver_reaches_a_member_through_the_change_and_one_bucket_of_grants(
    tmp_path: Path,
) -> None:
    office = _office(tmp_path / "share", size=600)
    snapshot = (office.share.root / directory_path(1)).stat().st_size
    left = office.publish(office.directory.without_member("p0007"))
    assert len(office.share.list(f"{org_mod.GRANTS}/{2:010d}")) == 3  # 600 members / 256
    counted = CountingShare(office.share)
    chain = office.follow("p0001", counted)
    assert chain is not None and chain.directory == left
    assert counted.reads == 3  # the change, my bucket, the next slot
    assert counted.bytes < snapshot // 4


def test_a_leaver_reads_nothing_from_their_removal_on(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    before = office.directory
    office.publish(office.directory.without_member("p0003"))
    office.hire("birgitte")
    with caplog.at_level(logging.WARNING, LOG):
        chain = office.follow("p0003")
    assert chain is not None and chain.directory == before
    assert "rejected directory change 0000000002: not_for_me" in caplog.text
    assert read_directory(office.share, office.pinned, "p0003", office.people["p0003"]) == before
    grants = office.share.root / org_mod.GRANTS
    files = [path for path in grants.rglob("*") if path.is_file()]
    assert files and all(b'"p0003"' not in path.read_bytes() for path in files)


def test_members_left_read_every_change_after_a_leaver(office: Office) -> None:
    office.publish(office.directory.without_member("p0003"))
    office.hire("birgitte")
    latest = office.publish(office.directory.without_member("p0004"))
    for pid in ("p0000", "p0011", "birgitte"):
        chain = office.follow(pid)
        assert chain is not None and chain.directory == latest, pid


def test_a_newcomer_reads_the_snapshot_and_the_changes_after_it(office: Office) -> None:
    office.publish(office.directory.without_member("p0002"))  # a new key before the hire
    office.hire("birgitte")
    latest = office.publish(Directory(office.directory.version + 1, office.directory.members,
                                      Policy(med_min_group=7)))
    chain = office.follow("birgitte")
    assert chain is not None and chain.directory == latest
    assert chain.snapshot == 1


def test_hr_reads_the_chain_as_the_organisation(office: Office) -> None:
    office.hire("birgitte")
    latest = office.publish(office.directory.without_member("p0005"))
    assert read_directory(office.share, office.pinned, ORG_RECIPIENT, office.org) == latest
    again = publish_directory(office.share, latest.with_member(
        _member("carl", sealing.new_identity())), office.org)  # without a chain held
    assert again.directory.version == 4
    assert office.follow("p0000") is not None and office.held["p0000"].directory.version == 4


def test_new_keys_for_a_member_write_a_snapshot_and_the_old_keys_read_nothing_new(
    office: Office,
) -> None:
    old = office.people["p0001"]
    new = sealing.new_identity()
    member = office.directory.members["p0001"]
    keys = new.public()
    rekeyed = office.publish(office.directory.with_member(
        Member(id=member.id, name=member.name, enc_key=keys.enc, sign_key=keys.sign)))
    snapshot = (office.share.root / directory_path(2)).stat().st_size
    counted = CountingShare(office.share)
    assert keys_replaced(counted, office.pinned, "p0001", old)
    assert counted.reads == 1 and counted.bytes < snapshot  # one bucket of grants
    assert not keys_replaced(office.share, office.pinned, "p0001", new)
    office.people["p0001"] = new
    assert read_directory(office.share, office.pinned, "p0001", new) == rekeyed
    held = office.held["p0001"]
    assert follow_directory(office.share, office.pinned, "p0001", old, held) == held
    assert office.follow("p0000") is not None and office.held["p0000"].directory == rekeyed


def test_hr_writes_a_snapshot_every_so_many_versions(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(org_mod, "SNAPSHOT_EVERY", 3)
    for n in range(4):
        office.hire(f"ny{n}")
    assert office.share.list(org_mod.DIRECTORIES)[:2] == [f"{1:010d}", f"{4:010d}"]
    chain = office.follow("ny3")
    assert chain is not None and chain.directory == office.directory and chain.snapshot == 4


def test_a_directory_of_before_is_read_and_the_next_version_is_a_snapshot(
    tmp_path: Path,
) -> None:
    share = FolderShare(tmp_path)
    org, anna = sealing.new_identity(), sealing.new_identity()
    v1 = Directory(1, {"anna": _member("anna", anna)})
    _publish_one_file(share, v1, org)
    held = follow_directory(share, org.public().sign, "anna", anna)
    assert held is not None and held.directory == v1 and not held.keys
    v2 = v1.with_member(_member("bo", sealing.new_identity()))
    publish_directory(share, v2, org)
    assert (tmp_path / directory_path(2)).is_file()
    assert not (tmp_path / change_path(2)).exists()
    chain = follow_directory(share, org.public().sign, "anna", anna, held)
    assert chain is not None and chain.directory == v2 and chain.keys


def _publish_one_file(share: Share, directory: Directory, org: Identity) -> None:
    """A directory as it was written before snapshots and changes: one file, sealed for
    every member and the organisation."""
    keys = org.public()
    recipients = {m.id: m.enc_key for m in directory.members.values()}
    recipients[ORG_RECIPIENT] = keys.enc
    associated = f"samtale-directory|{directory.version}|{keys.sign}".encode()
    sealed = sealing.seal_for(canonical_json(directory.to_dict()), associated, recipients)
    body = b"SMTO\x01" + canonical_json({
        "format": 1, "kind": "directory", "org": {"enc": keys.enc, "sign": keys.sign},
        "version": directory.version,
        "ciphertext": base64.b64encode(sealed.ciphertext).decode(),
        "wrapped": {rid: base64.b64encode(w).decode() for rid, w in sealed.wrapped.items()},
    })
    assert share.write_once(directory_path(directory.version), body + sealing.sign(org, body))


# -- change files that are not taken: skipped, reported, nothing changes -------------------


def _forged_change(office: Office, tmp_path: Path) -> bytes:
    """Change 2 of the same directory, made by someone with another org key."""
    fake = FolderShare(tmp_path / "fake")
    (tmp_path / "fake").mkdir()
    other = sealing.new_identity()
    chain = publish_directory(fake, Directory(1, office.directory.members), other)
    publish_directory(fake, chain.directory.without_member("p0000"), other, chain)
    return (fake.root / change_path(2)).read_bytes()


def test_a_forged_change_is_skipped_and_reported_and_nothing_changes(
    office: Office, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    held = office.held["p0001"]
    assert office.share.write_once(change_path(2), _forged_change(office, tmp_path))
    with caplog.at_level(logging.WARNING, LOG):
        assert office.follow("p0001") == held
    assert "rejected directory change 0000000002: bad_signature" in caplog.text


def test_a_replayed_change_is_skipped_and_reported_and_nothing_changes(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    office.hire("birgitte")
    office.follow("p0001")
    held = office.held["p0001"]
    assert office.share.write_once(change_path(3), (office.share.root / change_path(2))
                                   .read_bytes())
    with caplog.at_level(logging.WARNING, LOG):
        assert office.follow("p0001") == held
    assert "rejected directory change 0000000003: misplaced" in caplog.text


def test_a_truncated_change_is_skipped_and_reported_and_nothing_changes(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    held = office.held["p0001"]
    office.hire("birgitte")
    path = office.share.root / change_path(2)
    path.write_bytes(path.read_bytes()[:-40])
    with caplog.at_level(logging.WARNING, LOG):
        assert office.follow("p0001") == held
    assert "rejected directory change 0000000002: bad_signature" in caplog.text
    assert "birgitte" not in caplog.text


def test_a_forged_bucket_of_grants_is_skipped_and_reported_and_nothing_changes(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    held = office.held["p0001"]
    office.publish(office.directory.without_member("p0003"))
    path = office.share.root / grant_path(2, 0)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, LOG):
        assert office.follow("p0001") == held
    assert "rejected directory change 0000000002: bad_format" in caplog.text


def test_a_change_slot_taken_by_something_else_is_carried_by_a_snapshot(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    assert office.share.write_once(change_path(2), b"not a change")
    hired = office.hire("birgitte")
    assert (office.share.root / directory_path(2)).is_file()
    with caplog.at_level(logging.WARNING, LOG):
        chain = office.follow("p0001")
    assert chain is not None and chain.directory == hired
    assert "rejected directory change 0000000002: bad_format" in caplog.text


# -- over a real Samba share ---------------------------------------------------------------


def test_a_hire_and_a_leaver_reach_a_member_over_samba_in_a_few_small_reads(
    samba: SambaServer,
) -> None:
    (samba.share_dir / "directory").mkdir()

    def smb() -> SmbShare:
        return SmbShare(samba.location("directory"), username=samba.username,
                        password=samba.password)

    share = smb()
    people = {f"p{i:04d}": sealing.new_identity() for i in range(300)}
    org = sealing.new_identity()
    pinned = org.public().sign
    hr = publish_directory(share, Directory(1, {pid: _member(pid, identity)
                                                for pid, identity in people.items()}), org)
    anna = follow_directory(share, pinned, "p0001", people["p0001"])
    leaver = follow_directory(share, pinned, "p0002", people["p0002"])
    snapshot = len(share.read(directory_path(1)) or b"")
    share.close()

    share = smb()
    hr = publish_directory(share, hr.directory.with_member(
        _member("birgitte", sealing.new_identity())), org, hr)
    counted = CountingShare(smb())
    anna = follow_directory(counted, pinned, "p0001", people["p0001"], anna)
    assert anna is not None and anna.directory == hr.directory
    assert counted.reads == 2 and counted.bytes < 2_000
    hired = hr.directory

    hr = publish_directory(share, hr.directory.without_member("p0002"), org, hr)
    counted = CountingShare(smb())
    anna = follow_directory(counted, pinned, "p0001", people["p0001"], anna)
    assert anna is not None and anna.directory == hr.directory
    assert counted.reads == 3 and counted.bytes < snapshot // 4
    left = follow_directory(share, pinned, "p0002", people["p0002"], leaver)
    assert left is not None and left.directory == hired  # nothing from the removal on
    share.close()
