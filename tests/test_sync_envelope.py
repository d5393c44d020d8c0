"""The share's cryptographic recipes, envelopes and journal segments: what is sealed opens
only for its recipients, unchanged; what is signed verifies only under its signer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.directory import Directory, Member
from conversations.merge import version_of
from storage import sealing
from storage.sealing import Identity, InvalidSealError, NotARecipient, Sealed
from sync import envelope as envelope_module
from sync.envelope import (
    EnvelopeRejected,
    digest_of,
    object_path,
    open_envelope,
    read_header,
    seal_envelope,
    verified_header,
)
from sync.journal import SegmentRejected, make_segment, read_segment, segment_path

PEOPLE = ("anna", "bo", "carl", "dina")
IDS = {person: sealing.new_identity() for person in PEOPLE}
OUTSIDER = sealing.new_identity()
SHARD = "ab" * 16
DEVICE = "cd" * 16

payloads = st.binary(max_size=1024)
associated = st.binary(max_size=64)
recipient_sets = st.sets(st.sampled_from(PEOPLE), min_size=1)


def public_enc(*people: str) -> dict[str, str]:
    return {p: IDS[p].public().enc for p in people}


def directory(*people: str) -> Directory:
    members = {}
    for person in people:
        keys = IDS[person].public()
        members[person] = Member(id=person, name=person, enc_key=keys.enc, sign_key=keys.sign)
    return Directory(1, members)


EVERYONE = directory(*PEOPLE)


def flip(blob: bytes, position: int, xor: int = 0x01) -> bytes:
    data = bytearray(blob)
    data[position] ^= xor
    return bytes(data)


# -- sealing for recipients ----------------------------------------------------------------


@given(payloads, associated, recipient_sets)
def test_sealed_content_opens_for_every_recipient(
    plaintext: bytes, ad: bytes, people: set[str]
) -> None:
    sealed = sealing.seal_for(plaintext, ad, public_enc(*people))
    assert set(sealed.wrapped) == people
    for person in people:
        assert sealing.open_for(sealed, ad, person, IDS[person]) == plaintext


@given(payloads, associated, recipient_sets, st.data())
def test_any_flipped_byte_of_the_ciphertext_is_rejected(
    plaintext: bytes, ad: bytes, people: set[str], data: st.DataObject
) -> None:
    sealed = sealing.seal_for(plaintext, ad, public_enc(*people))
    position = data.draw(st.integers(0, len(sealed.ciphertext) - 1))
    damaged = Sealed(flip(sealed.ciphertext, position, data.draw(st.integers(1, 255))),
                     sealed.wrapped)
    person = data.draw(st.sampled_from(sorted(people)))
    with pytest.raises(InvalidSealError):
        sealing.open_for(damaged, ad, person, IDS[person])


@given(payloads, associated, recipient_sets, st.data())
def test_any_flipped_byte_of_a_wrapped_key_is_rejected(
    plaintext: bytes, ad: bytes, people: set[str], data: st.DataObject
) -> None:
    sealed = sealing.seal_for(plaintext, ad, public_enc(*people))
    person = data.draw(st.sampled_from(sorted(people)))
    wrap = sealed.wrapped[person]
    position = data.draw(st.integers(0, len(wrap) - 1))
    wrapped = {**sealed.wrapped, person: flip(wrap, position, data.draw(st.integers(1, 255)))}
    with pytest.raises(InvalidSealError):
        sealing.open_for(Sealed(sealed.ciphertext, wrapped), ad, person, IDS[person])


@given(payloads, associated, recipient_sets, st.data())
def test_changed_associated_data_is_rejected(
    plaintext: bytes, ad: bytes, people: set[str], data: st.DataObject
) -> None:
    other = data.draw(associated.filter(lambda value: value != ad))
    sealed = sealing.seal_for(plaintext, ad, public_enc(*people))
    person = data.draw(st.sampled_from(sorted(people)))
    with pytest.raises(InvalidSealError):
        sealing.open_for(sealed, other, person, IDS[person])


@given(payloads, associated, recipient_sets)
def test_someone_not_a_recipient_cannot_open(
    plaintext: bytes, ad: bytes, people: set[str]
) -> None:
    sealed = sealing.seal_for(plaintext, ad, public_enc(*people))
    with pytest.raises(NotARecipient):
        sealing.open_for(sealed, ad, "outsider", OUTSIDER)
    some = sorted(people)[0]  # an outsider claiming a recipient's name has the wrong key
    with pytest.raises(InvalidSealError):
        sealing.open_for(sealed, ad, some, OUTSIDER)


@given(payloads, associated, st.data())
def test_a_wrapped_key_cannot_be_moved_to_another_recipient(
    plaintext: bytes, ad: bytes, data: st.DataObject
) -> None:
    owner, other = data.draw(st.lists(st.sampled_from(PEOPLE), min_size=2, max_size=2,
                                      unique=True))
    sealed = sealing.seal_for(plaintext, ad, public_enc(owner))
    moved = Sealed(sealed.ciphertext, {other: sealed.wrapped[owner]})
    with pytest.raises(InvalidSealError):  # the other person's key does not open it
        sealing.open_for(moved, ad, other, IDS[other])
    with pytest.raises(InvalidSealError):  # nor does its owner, under the other name
        sealing.open_for(moved, ad, other, IDS[owner])


def test_sealing_for_a_malformed_public_key_is_refused() -> None:
    for bad in ("", "not base64!", sealing._b64(b"short")):
        with pytest.raises(ValueError):
            sealing.seal_for(b"x", b"", {"anna": bad})


def test_each_seal_uses_a_fresh_content_key_and_wraps() -> None:
    first = sealing.seal_for(b"same", b"", public_enc("anna"))
    second = sealing.seal_for(b"same", b"", public_enc("anna"))
    assert first.ciphertext != second.ciphertext
    assert first.wrapped["anna"] != second.wrapped["anna"]


# -- signatures, identities, fingerprints ---------------------------------------------------


@given(payloads, st.sampled_from(PEOPLE))
def test_a_signature_verifies_under_its_signer_only(message: bytes, person: str) -> None:
    signature = sealing.sign(IDS[person], message)
    assert len(signature) == sealing.SIGNATURE_SIZE
    assert sealing.verify(IDS[person].public().sign, message, signature)
    others = [p for p in PEOPLE if p != person]
    assert not any(sealing.verify(IDS[o].public().sign, message, signature) for o in others)


@given(payloads, st.sampled_from(PEOPLE), st.data())
def test_any_flipped_byte_of_signature_or_message_fails_verification(
    message: bytes, person: str, data: st.DataObject
) -> None:
    signature = sealing.sign(IDS[person], message)
    key = IDS[person].public().sign
    position = data.draw(st.integers(0, len(signature) - 1))
    assert not sealing.verify(key, message, flip(signature, position,
                                                 data.draw(st.integers(1, 255))))
    if message:
        position = data.draw(st.integers(0, len(message) - 1))
        assert not sealing.verify(key, flip(message, position), signature)


def test_verify_with_a_malformed_key_says_no() -> None:
    signature = sealing.sign(IDS["anna"], b"m")
    assert not sealing.verify("", b"m", signature)
    assert not sealing.verify("%%%", b"m", signature)
    assert not sealing.verify(IDS["anna"].public().sign, b"m", b"short")


def test_an_identity_survives_storing_and_loading() -> None:
    identity = sealing.new_identity()
    again = Identity.from_bytes(identity.to_bytes())
    assert again.public() == identity.public()
    sealed = sealing.seal_for(b"hemmeligt", b"ad", {"me": identity.public().enc})
    assert sealing.open_for(sealed, b"ad", "me", again) == b"hemmeligt"
    assert sealing.verify(identity.public().sign, b"m", sealing.sign(again, b"m"))


@pytest.mark.parametrize("stored", [b"", b"SMID\x01" + b"x" * 63, b"XXXX\x01" + b"x" * 64])
def test_anything_but_a_stored_identity_is_refused(stored: bytes) -> None:
    with pytest.raises(ValueError):
        Identity.from_bytes(stored)


def test_an_identity_never_shows_its_private_keys() -> None:
    identity = sealing.new_identity()
    assert sealing._b64(identity.to_bytes()) not in repr(identity)
    assert "Identity(" in repr(identity)


def test_fingerprints_are_four_groups_of_four_hex_digits_and_tell_keys_apart() -> None:
    prints = {sealing.fingerprint(IDS[p].public().sign) for p in PEOPLE}
    assert len(prints) == len(PEOPLE)
    for printed in prints:
        assert re.fullmatch(r"[0-9a-f]{4}( [0-9a-f]{4}){3}", printed)
    key = IDS["anna"].public().enc
    assert sealing.fingerprint(key) == sealing.fingerprint(key)


# -- envelopes ----------------------------------------------------------------------------------


def record(**fields: Any) -> dict[str, Any]:
    data = {"id": "rec1", "type": "minutes", "author": "anna", "parents": [],
            "conversation_id": SHARD, "notes": {"t1": "Vi talte om sparring"}, **fields}
    data["version"] = version_of(data)
    return data


def sealed(rec: dict[str, Any], *, sender: str = "anna", to: tuple[str, ...] = ("anna", "bo"),
           identity: Identity | None = None) -> tuple[str, bytes]:
    return seal_envelope(rec, shard=SHARD, table="minutes", sender=sender, device=DEVICE,
                         identity=identity or IDS[sender], recipients=public_enc(*to))


def reason(blob: bytes, digest: str, me: str = "bo", **options: Any) -> str:
    options.setdefault("directory", EVERYONE)
    with pytest.raises(EnvelopeRejected) as caught:
        open_envelope(blob, digest, options.pop("directory"), me, IDS.get(me, OUTSIDER),
                      **options)
    return caught.value.reason


def test_an_envelope_opens_for_each_recipient_with_its_record_and_header() -> None:
    rec = record()
    digest, blob = sealed(rec, to=("anna", "bo"))
    for me in ("anna", "bo"):
        opened = open_envelope(blob, digest, EVERYONE, me, IDS[me])
        assert opened.record == rec
        assert (opened.header.sender, opened.header.shard, opened.header.table) == (
            "anna", SHARD, "minutes")
        assert opened.header.version == rec["version"]
    assert set(read_header(blob).recipients) == {"anna", "bo"}


def test_envelopes_are_stored_by_the_hash_of_their_bytes() -> None:
    digest, blob = sealed(record())
    assert object_path(digest) == f"objects/{digest[:2]}/{digest}"
    assert digest == envelope_module.digest_of(blob)
    with pytest.raises(ValueError):
        object_path("../etc/passwd")


def test_the_header_never_holds_the_content() -> None:
    _, blob = sealed(record(notes={"t1": "Hemmelig note ÆØÅ"}))
    assert b"Hemmelig" not in blob
    assert b"Vi talte" not in blob


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_flipped_byte_of_an_envelope_is_rejected(data: st.DataObject) -> None:
    digest, blob = sealed(record())
    position = data.draw(st.integers(0, len(blob) - 1))
    damaged = flip(blob, position, data.draw(st.integers(1, 255)))
    expected = "bad_format" if position < len(envelope_module.MAGIC) + 1 else "hash_mismatch"
    assert reason(damaged, digest) == expected


def test_a_truncated_or_renamed_envelope_is_rejected() -> None:
    digest, blob = sealed(record())
    other_digest, _ = sealed(record(notes={"t1": "andet"}))
    assert reason(blob[:-1], digest) == "hash_mismatch"
    assert reason(blob[: len(blob) // 2], digest) == "hash_mismatch"
    assert reason(blob, other_digest) == "hash_mismatch"
    assert reason(b"", digest) == "bad_format"


def test_an_envelope_from_someone_not_in_the_directory_is_rejected() -> None:
    digest, blob = sealed(record())
    assert reason(blob, digest, directory=directory("bo", "carl")) == "unknown_sender"


def test_an_envelope_re_signed_by_someone_else_is_rejected() -> None:
    _, blob = sealed(record())
    body = blob[: -sealing.SIGNATURE_SIZE]
    forged = body + sealing.sign(IDS["carl"], body)
    assert reason(forged, envelope_module.digest_of(forged)) == "bad_signature"
    # checked before the recipients: not even an outsider learns it "is not for me"
    assert reason(forged, envelope_module.digest_of(forged), me="dina") == "bad_signature"


def test_an_envelope_for_others_is_not_for_me() -> None:
    digest, blob = sealed(record(), to=("anna", "bo"))
    assert reason(blob, digest, me="carl") == "not_for_me"


def test_content_that_does_not_hash_to_its_version_is_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    honest = record()
    lying = {**record(notes={"t1": "ombyttet"}), "version": honest["version"]}
    monkeypatch.setattr(envelope_module, "version_of", lambda rec: rec["version"])
    digest, blob = sealed(lying)
    monkeypatch.undo()
    assert reason(blob, digest) == "version_mismatch"


def test_sealing_a_record_whose_version_is_not_its_hash_is_refused() -> None:
    with pytest.raises(ValueError):
        sealed({**record(), "version": "0" * 32})


def test_a_journal_signature_by_the_sender_vouches_for_the_envelope() -> None:
    _, blob = sealed(record())
    broken = blob[: -sealing.SIGNATURE_SIZE] + bytes(sealing.SIGNATURE_SIZE)
    digest = envelope_module.digest_of(broken)
    assert open_envelope(broken, digest, EVERYONE, "bo", IDS["bo"], vouched_by="anna")
    assert reason(broken, digest, vouched_by="carl") == "bad_signature"
    assert reason(broken, digest) == "bad_signature"


# -- journal segments ---------------------------------------------------------------------------


HASHES = [envelope_module.digest_of(bytes([i])) for i in range(3)]


def test_a_segment_lists_its_objects_and_sits_at_its_number() -> None:
    blob = make_segment(IDS["anna"], sender="anna", device=DEVICE, seq=7, objects=HASHES)
    segment = read_segment(blob, device=DEVICE, seq=7, directory=EVERYONE)
    assert (segment.sender, segment.device, segment.seq, segment.objects) == (
        "anna", DEVICE, 7, tuple(HASHES))
    assert segment_path(DEVICE, 7) == f"journals/{DEVICE}/0000000007"


def rejected_segment(blob: bytes, *, seq: int = 1, device: str = DEVICE,
                     known: Directory = EVERYONE) -> str:
    with pytest.raises(SegmentRejected) as caught:
        read_segment(blob, device=device, seq=seq, directory=known)
    return caught.value.reason


def test_a_segment_copied_under_another_name_is_misplaced() -> None:
    blob = make_segment(IDS["anna"], sender="anna", device=DEVICE, seq=1, objects=HASHES)
    assert rejected_segment(blob, seq=2) == "misplaced"
    assert rejected_segment(blob, device="ef" * 16) == "misplaced"


def test_a_segment_from_an_unknown_or_false_sender_is_rejected() -> None:
    blob = make_segment(IDS["anna"], sender="anna", device=DEVICE, seq=1, objects=HASHES)
    assert rejected_segment(blob, known=directory("bo")) == "unknown_sender"
    forged = make_segment(IDS["carl"], sender="anna", device=DEVICE, seq=1, objects=HASHES)
    assert rejected_segment(forged) == "bad_signature"


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_flipped_byte_of_a_segment_is_rejected(data: st.DataObject) -> None:
    blob = make_segment(IDS["anna"], sender="anna", device=DEVICE, seq=1, objects=HASHES)
    position = data.draw(st.integers(0, len(blob) - 1))
    damaged = flip(blob, position, data.draw(st.integers(1, 255)))
    assert rejected_segment(damaged) in {"bad_format", "misplaced", "unknown_sender",
                                         "bad_signature"}


def test_a_segment_lists_object_hashes_only() -> None:
    with pytest.raises(ValueError):
        make_segment(IDS["anna"], sender="anna", device=DEVICE, seq=1, objects=["../x"])
    with pytest.raises(ValueError):
        make_segment(IDS["anna"], sender="anna", device="not-a-device", seq=1, objects=[])


def test_a_deadline_in_the_header_is_signed_and_envelopes_without_one_open_as_before() -> None:
    rec = record()
    plain_digest, plain = sealed(rec)
    digest, blob = seal_envelope(rec, shard=SHARD, table="minutes", sender="anna",
                                 device=DEVICE, identity=IDS["anna"],
                                 recipients=public_enc("anna", "bo"), keep_until="2031-06")
    assert b"keep_until" not in plain
    assert open_envelope(plain, plain_digest, EVERYONE, "bo", IDS["bo"]).header.keep_until \
        is None
    assert open_envelope(blob, digest, EVERYONE, "bo", IDS["bo"]).header.keep_until == "2031-06"
    assert verified_header(blob, digest, EVERYONE).keep_until == "2031-06"
    moved = blob.replace(b'"2031-06"', b'"2099-06"')
    assert reason(moved, digest_of(moved)) == "bad_signature"
    with pytest.raises(ValueError, match="YYYY-MM"):
        seal_envelope(rec, shard=SHARD, table="minutes", sender="anna", device=DEVICE,
                      identity=IDS["anna"], recipients=public_enc("anna"), keep_until="June")
