"""The organisation on the share: founding, the signed directory, joining, refusing."""

from __future__ import annotations

import base64
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.directory import Directory, Member, Policy
from conversations.model import InputRejected, Role
from conversations.records import canonical_json
from storage import Device, KdfParams, Vault, sealing
from storage.sealing import Identity
from sync import organisation as org_mod
from sync.envelope import digest_of
from sync.folder import FolderShare
from sync.identity import device_id_of, identity_of
from sync.organisation import (
    ORG_RECIPIENT,
    AlreadyPublished,
    JoinClaim,
    approve,
    change_path,
    directory_path,
    found_organisation,
    is_org_keeper,
    org_identity_of,
    organisation_card,
    pending_requests,
    publish_card,
    publish_directory,
    read_directory,
    refuse,
    request_to_join,
)
from tests.vault_fixtures import PIN, FakeClock

ORG_NAME = "Hjemmeplejen Nord"
NEW_NAME = "Birgitte Ærø-Sørensen"
LOG = "samtale.sync"


def _vault(root: Path) -> Vault:
    root.mkdir(parents=True, exist_ok=True)
    device = Device(root, kdf=KdfParams.FAST_FOR_TESTS, clock=FakeClock())
    vault, _code = device.create_profile(PIN, symbol=1)
    return vault


@dataclass
class Org:
    share: FolderShare
    hr: Vault
    org: Identity
    v1: Directory

    @property
    def pinned(self) -> str:
        return self.org.public().sign

    def file(self, version: int) -> Path:
        return self.share.root / directory_path(version)

    def change(self, version: int) -> Path:
        return self.share.root / change_path(version)


def _founded(tmp: Path) -> Org:
    share_root = tmp / "share"
    share_root.mkdir()
    share = FolderShare(share_root)
    hr = _vault(tmp / "device-hr")
    v1 = found_organisation(hr, Member(id="hr", name="Hanne HR"), ORG_NAME, Policy())
    org = org_identity_of(hr)
    assert org is not None
    publish_card(share, ORG_NAME, org)
    publish_directory(share, v1, org)
    return Org(share, hr, org, v1)


@pytest.fixture
def founded(tmp_path: Path) -> Org:
    return _founded(tmp_path)


def _claim(**changes: object) -> JoinClaim:
    fields: dict[str, object] = {
        "person_id": "birgitte",
        "name": NEW_NAME,
        "roles": frozenset({Role.EMPLOYEE}),
        "team": "Team Syd",
        "leader_id": "hr",
        "job_profile": "social- og sundhedshjælper",
    }
    fields.update(changes)
    return JoinClaim(**fields)  # type: ignore[arg-type]


def _request(founded: Org, tmp: Path, name: str = "device-new") -> tuple[Vault, str]:
    vault = _vault(tmp / name)
    card = organisation_card(founded.share)
    assert card is not None
    return vault, request_to_join(founded.share, card, vault, _claim())


def _share_bytes(share: FolderShare) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(share.root.rglob("*")) if p.is_file())


# -- founding ---------------------------------------------------------------------------


def test_hr_founds_the_organisation_and_keeps_its_keys_in_the_vault(founded: Org) -> None:
    assert is_org_keeper(founded.hr)
    hr = founded.v1.members["hr"]
    keys = identity_of(founded.hr).public()
    assert founded.v1.version == 1
    assert Role.HR in hr.roles
    assert (hr.enc_key, hr.sign_key) == (keys.enc, keys.sign)
    assert hr.devices == (device_id_of(founded.hr),)
    assert read_directory(founded.share, founded.pinned, ORG_RECIPIENT, founded.org) == founded.v1


def test_a_person_who_is_not_hr_keeps_no_organisation(tmp_path: Path) -> None:
    vault = _vault(tmp_path / "device")
    assert not is_org_keeper(vault)
    assert org_identity_of(vault) is None


def test_a_vault_founds_only_one_organisation(founded: Org) -> None:
    with pytest.raises(ValueError, match="already keeps"):
        found_organisation(founded.hr, Member(id="hr", name="Hanne HR"), "Andet", Policy())


def test_hr_member_with_other_keys_is_refused(tmp_path: Path) -> None:
    other = sealing.new_identity().public()
    member = Member(id="hr", name="Hanne", enc_key=other.enc, sign_key=other.sign)
    with pytest.raises(ValueError, match="keys"):
        found_organisation(_vault(tmp_path / "d"), member, ORG_NAME, Policy())


def test_the_card_shows_the_org_keys_and_a_fingerprint_to_compare(founded: Org) -> None:
    card = organisation_card(founded.share)
    assert card is not None
    assert card.name == ORG_NAME
    assert (card.sign_pub, card.enc_pub) == (founded.org.public().sign, founded.org.public().enc)
    assert card.fingerprint == sealing.fingerprint(founded.pinned)


def test_a_damaged_card_is_not_shown(founded: Org) -> None:
    path = founded.share.root / org_mod.CARD_PATH
    data = bytearray(path.read_bytes())
    data[20] ^= 1
    path.write_bytes(bytes(data))
    assert organisation_card(founded.share) is None


def test_a_second_card_for_another_org_is_refused(founded: Org) -> None:
    publish_card(founded.share, ORG_NAME, founded.org)  # the same again: harmless
    with pytest.raises(AlreadyPublished):
        publish_card(founded.share, "Falsk", sealing.new_identity())


def test_two_different_directories_cannot_share_a_version(founded: Org) -> None:
    publish_directory(founded.share, founded.v1, founded.org)  # harmless
    other = Directory(1, founded.v1.members, Policy(med_min_group=7))
    with pytest.raises(AlreadyPublished):
        publish_directory(founded.share, other, founded.org)


# -- joining --------------------------------------------------------------------------------


def test_new_person_joins_and_finds_themselves_in_the_next_directory(
    founded: Org, tmp_path: Path
) -> None:
    new, request_id = _request(founded, tmp_path)
    card = organisation_card(founded.share)
    assert card is not None
    pinned = card.sign_pub  # after the person compared card.fingerprint with HR's

    [request] = pending_requests(founded.share, founded.org, founded.v1)
    assert request.id == request_id
    assert request.claim == _claim()
    assert request.keys == identity_of(new).public()
    assert request.device == device_id_of(new)
    assert request.replaces is None

    assert read_directory(founded.share, pinned, "birgitte", identity_of(new)) is None  # not yet
    v2 = approve(request, founded.v1)
    publish_directory(founded.share, v2, founded.org)

    seen = read_directory(founded.share, pinned, "birgitte", identity_of(new))
    assert seen is not None and seen.version == 2
    me = seen.members["birgitte"]
    keys = identity_of(new).public()
    assert (me.name, me.enc_key, me.sign_key) == (NEW_NAME, keys.enc, keys.sign)
    assert me.devices == (device_id_of(new),)
    assert me.leader_id == "hr" and me.team == "Team Syd"
    assert "hr" in seen.members
    assert pending_requests(founded.share, founded.org, seen) == []


def test_the_share_never_holds_the_new_persons_name_or_claim(
    founded: Org, tmp_path: Path
) -> None:
    _request(founded, tmp_path)
    everything = _share_bytes(founded.share)
    for secret in (NEW_NAME, "birgitte", "Team Syd", "sundhedshjælper"):
        assert secret.encode() not in everything


def test_hr_may_correct_roles_and_leader_when_approving(founded: Org, tmp_path: Path) -> None:
    _request(founded, tmp_path)
    leader = Member(id="leo", name="Leo Leder", roles=frozenset({Role.LEADER}))
    directory = founded.v1.with_member(leader)
    [request] = pending_requests(founded.share, founded.org, directory)
    v3 = approve(request, directory, roles=frozenset({Role.EMPLOYEE, Role.TR}), leader_id="leo")
    member = v3.members["birgitte"]
    assert v3.version == 3
    assert member.roles == {Role.EMPLOYEE, Role.TR}
    assert member.leader_id == "leo"


def test_approving_with_an_unknown_leader_is_rejected(founded: Org, tmp_path: Path) -> None:
    _request(founded, tmp_path)
    [request] = pending_requests(founded.share, founded.org, founded.v1)
    with pytest.raises(InputRejected):
        approve(request, founded.v1, leader_id="nobody")


def test_a_request_from_someone_already_listed_with_other_keys_says_so(
    founded: Org, tmp_path: Path
) -> None:
    vault = _vault(tmp_path / "impostor")
    card = organisation_card(founded.share)
    assert card is not None
    request_to_join(founded.share, card, vault, _claim(person_id="hr", name="Hanne HR"))
    [request] = pending_requests(founded.share, founded.org, founded.v1)
    assert request.replaces == founded.v1.members["hr"]


def test_a_refused_request_stops_showing(founded: Org, tmp_path: Path) -> None:
    _request(founded, tmp_path)
    [request] = pending_requests(founded.share, founded.org, founded.v1)
    refuse(founded.share, request, founded.org)
    refuse(founded.share, request, founded.org)  # twice: harmless
    assert pending_requests(founded.share, founded.org, founded.v1) == []


def test_a_refusal_not_signed_by_the_org_is_ignored(
    founded: Org, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _request(founded, tmp_path)
    [request] = pending_requests(founded.share, founded.org, founded.v1)
    refuse(founded.share, request, sealing.new_identity())
    with caplog.at_level(logging.WARNING, LOG):
        assert pending_requests(founded.share, founded.org, founded.v1) == [request]
    assert "rejected refusal marker" in caplog.text


def _forge_request(founded: Org, claim: JoinClaim) -> None:
    """A request whose enclosed keys are not the ones that signed it."""
    victim = sealing.new_identity().public()
    card = organisation_card(founded.share)
    assert card is not None
    signer = sealing.new_identity()
    inner = canonical_json(
        {"format": 1, "org": card.sign_pub, "claim": claim.to_dict(),
         "keys": {"enc": victim.enc, "sign": victim.sign}, "device": "0" * 32}
    )
    plain = inner + sealing.sign(signer, org_mod.REQUEST_MAGIC + b"\x01" + inner)
    header = {"format": 1, "org": card.sign_pub}
    sealed = sealing.seal_for(plain, canonical_json(header), {"organisation": card.enc_pub})
    wrap = base64.b64encode(sealed.wrapped["organisation"]).decode()
    raw = canonical_json({**header, "wrap": wrap})
    blob = b"SMTR\x01" + len(raw).to_bytes(4, "big") + raw + sealed.ciphertext
    founded.share.write_once(f"organisation/requests/{digest_of(blob)}", blob)


def test_a_request_signed_by_another_key_than_it_encloses_is_left_out(
    founded: Org, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _request(founded, tmp_path)
    _forge_request(founded, _claim(person_id="mallory", name="Mallory"))
    with caplog.at_level(logging.WARNING, LOG):
        requests = pending_requests(founded.share, founded.org, founded.v1)
    assert [r.claim.person_id for r in requests] == ["birgitte"]
    assert "bad_signature" in caplog.text
    assert "Mallory" not in caplog.text


def test_a_damaged_or_renamed_request_is_left_out(
    founded: Org, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, request_id = _request(founded, tmp_path)
    path = founded.share.root / "organisation" / "requests" / request_id
    blob = path.read_bytes()
    founded.share.write_once(f"organisation/requests/{'a' * 64}", blob)
    path.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    with caplog.at_level(logging.WARNING, LOG):
        assert pending_requests(founded.share, founded.org, founded.v1) == []
    assert caplog.text.count("hash_mismatch") == 2


def test_requests_for_another_organisation_are_passed_over(
    founded: Org, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _request(founded, tmp_path)
    with caplog.at_level(logging.WARNING, LOG):
        assert pending_requests(founded.share, sealing.new_identity(), founded.v1) == []
    assert "rejected" not in caplog.text


# -- what read_directory refuses --------------------------------------------------------


def _v2(founded: Org) -> Directory:
    v2 = founded.v1.with_member(Member(id="ole", name="Ole"))
    publish_directory(founded.share, v2, founded.org)
    return v2


def test_a_directory_signed_by_another_key_is_rejected(
    founded: Org, caplog: pytest.LogCaptureFixture
) -> None:
    v2 = _v2(founded)
    forged = v2.with_member(Member(id="mallory", name="Mallory", roles=frozenset({Role.HR})))
    publish_directory(founded.share, forged, sealing.new_identity())
    with caplog.at_level(logging.WARNING, LOG):
        assert read_directory(founded.share, founded.pinned, ORG_RECIPIENT, founded.org) == v2
    assert "rejected directory 0000000003: bad_signature" in caplog.text
    assert "Mallory" not in caplog.text


def test_a_flipped_byte_in_a_change_falls_back_to_the_previous_directory(
    founded: Org,
) -> None:
    _v2(founded)
    path = founded.change(2)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    path.write_bytes(bytes(data))
    assert read_directory(founded.share, founded.pinned, ORG_RECIPIENT, founded.org) == founded.v1


def test_a_truncated_change_falls_back_to_the_previous_directory(founded: Org) -> None:
    _v2(founded)
    path = founded.change(2)
    path.write_bytes(path.read_bytes()[:-10])
    assert read_directory(founded.share, founded.pinned, ORG_RECIPIENT, founded.org) == founded.v1


def test_an_old_directory_replayed_under_a_new_number_is_rejected(
    founded: Org, caplog: pytest.LogCaptureFixture
) -> None:
    v2 = _v2(founded)
    founded.share.write_once(directory_path(3), founded.file(1).read_bytes())
    with caplog.at_level(logging.WARNING, LOG):
        assert read_directory(founded.share, founded.pinned, ORG_RECIPIENT, founded.org) == v2
    assert "rejected directory 0000000003: misplaced" in caplog.text


def test_an_old_change_replayed_under_a_new_number_is_rejected(
    founded: Org, caplog: pytest.LogCaptureFixture
) -> None:
    v2 = _v2(founded)
    founded.share.write_once(change_path(3), founded.change(2).read_bytes())
    with caplog.at_level(logging.WARNING, LOG):
        assert read_directory(founded.share, founded.pinned, ORG_RECIPIENT, founded.org) == v2
    assert "rejected directory change 0000000003: misplaced" in caplog.text


def test_colleagues_names_in_the_directory_never_sit_on_the_share_in_clear(
    founded: Org,
) -> None:
    v2 = _v2(founded)
    publish_directory(founded.share, v2.without_member("ole"), founded.org)
    files = [p for p in (founded.share.root / org_mod.DIRECTORIES).rglob("*") if p.is_file()]
    assert len(files) >= 4  # the snapshot, two changes and the new key's grants
    for path in files:
        blob = path.read_bytes()
        assert b"Hanne" not in blob and b"Ole" not in blob


def test_no_directory_on_an_empty_share(tmp_path: Path) -> None:
    share = FolderShare(tmp_path)
    assert read_directory(share, sealing.new_identity().public().sign, ORG_RECIPIENT,
                          sealing.new_identity()) is None
    assert organisation_card(share) is None


_ORG = sealing.new_identity()
_V1 = Directory(1, {"hr": Member(id="hr", name="Hanne", roles=frozenset({Role.HR}))})
_V2 = _V1.with_member(Member(id="ole", name="Ole Ølund", team="Team Nord"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255))
def test_any_flipped_byte_in_a_directory_change_leaves_the_previous_directory(
    position: float, flip: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        share = FolderShare(tmp)
        publish_directory(share, _V1, _ORG)
        publish_directory(share, _V2, _ORG)
        path = Path(tmp) / change_path(2)
        data = bytearray(path.read_bytes())
        data[int(position * len(data))] ^= flip
        path.write_bytes(bytes(data))
        assert read_directory(share, _ORG.public().sign, ORG_RECIPIENT, _ORG) == _V1
