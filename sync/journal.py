"""Per-device journals on the share: numbered, write-once, signed lists of what was pushed.

Each device appends to its own folder, one segment per push::

    journals/<device id>/<seq, 10 digits from 0000000001>

Bytes of a segment::

    b"SMTJ" | format (1 byte) | canonical JSON body | Ed25519 signature (64 bytes)

    body: {"format": 2, "sender": person id, "device": device id, "seq": n,
           "objects": [sha256 hex of each envelope, in push order],
           "previous": [the objects of this device's previous segment]}

(Format 1, still read, has no ``previous``.) The signature is the device owner's (the
person's key, as the directory lists it).

**Nobody can block a journal.** The share is writable by everyone who can open it, so a
device's next slot may be taken, a segment deleted, moved or copied, before anyone reads
it. Neither writer nor reader ever waits on a slot:

- *The writer* creates segment n with ``write_once``. When the slot holds anything else
  (someone squatted it, or a copy of an old segment), it lists its folder once and takes
  the first free number above; it never retries one by one, so it cannot be held up.
  Its next segment names the previous one's objects again (``previous``).
- *A reader* goes through the slots after its cursor. A slot that is not a genuine
  segment of this device — ``bad_format``, ``bad_signature``, ``foreign`` (signed by
  someone other than the member the directory gives this device), ``misplaced`` (a
  segment of another journal) — is reported once (which device, which number) and passed. A genuine
  segment of this device found in another slot (reordered, or an old one replayed) is
  taken all the same — taking a segment twice is harmless — and reported once as
  ``moved``. An empty slot ends the read, unless a genuine segment exists further on
  (named by a hint, or found by listing the folder on the daily full look): then the
  empty slots are a **gap**, reported once as ``missing`` with their numbers, the reader
  goes on, and the segment after the gap brings the objects of the one before it
  (``previous``) — so one lost segment loses nothing. A longer gap loses the lists of
  all but its last segment (the envelopes stay on the share; their writer's device still
  holds them), and the report says which numbers.
- **Retired keys** (``conversations.directory.RetiredKey``): when HR gives a person
  new keys because a device was lost or stolen, the old signing key stays in the
  directory, but a segment signed with it counts only up to the number recorded for
  its device (``retired_key`` beyond, on the lost device and on every other device that
  still holds the old keys). So the history stays valid for every reader, also one that
  reads the journals for the first time, and whatever the thief writes later is refused.
- A segment signed by someone not (yet) in the directory, in a journal no member claims,
  is the one thing a reader comes back to: that person may join the directory later.

A reader remembers, per device, the last slot it has passed (the cursor, kept in its
vault by the engine) and asks only for what follows.

**Heads (share format 2, read only to migrate)**: since share format 3 a reader learns
what is new for its person from its inbox (``sync.inbox``) and never reads journals or
hints; writers no longer write hints, and journals stay as the history (the audit trail
of what each device pushed, which ``RetiredKey.until`` counts). What follows is how
format 2 worked, kept because a vault that synced before the upgrade reads the hints
since its cursor once, and a new vault on a share that has hints reads every journal
once. Asking each device's journal for its next segment still costs one look per
device (500 devices: 500 file look-ups per sync, and over SMB 500 round trips). So after
each segment a writer also claims the next free number of one shared, write-once
sequence of hints::

    heads/<n // 1000, 7 digits>/<n, 10 digits>    body: {"device": ..., "seq": ...}

A reader keeps one more cursor (the last hint read), reads hints from there until the
first missing number, and looks only at the journals they name: a sync with nothing new
costs one look, with one change a handful. Hints are not signed: a hint only says where
to look, and the segment found there is checked as always; a false one costs a look (a
gap is only believed when a genuine segment stands after it). Numbers are claimed with
``write_once``, so hints fill in order without gaps. A hint lost anyway (a writer that
crashed between segment and hint re-sends both; a backend that cannot create exclusively
could let two writers race for one number; someone deleted it) is made good by the full
look at every journal the engine takes on a first sync and about once a day.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from conversations.records import canonical_json
from storage import sealing
from storage.sealing import Identity
from sync.envelope import EnvelopeRejected, is_object_hash

FORMAT = 2
MAGIC = b"SMTJ"
_PREFIX = MAGIC + bytes([FORMAT])
_PREFIX_V1 = MAGIC + bytes([1])
_SIG = sealing.SIGNATURE_SIZE
JOURNALS = "journals"
FIRST_SEQ = 1
_DEVICE = re.compile(r"[0-9a-f]{32}")
_SEQ = re.compile(r"[0-9]{10}")
_BODY_KEYS_V1 = frozenset({"format", "sender", "device", "seq", "objects"})
_BODY_KEYS = _BODY_KEYS_V1 | {"previous"}
HEADS = "heads"
FIRST_HEAD = 1
_HEADS_PER_FOLDER = 1000


class SegmentRejected(EnvelopeRejected):
    """A journal segment that is not taken; ``reason`` says why."""

    key = "error.segment_rejected"


@dataclass(frozen=True)
class Segment:
    sender: str
    device: str
    seq: int
    objects: tuple[str, ...]
    previous: tuple[str, ...] = ()


class DeviceKeys(Protocol):
    """What a journal needs of a directory member: their signing key and devices."""

    @property
    def sign_key(self) -> str: ...

    @property
    def devices(self) -> tuple[str, ...]: ...

    @property
    def retired(self) -> Sequence[RetiredKeys]: ...


class RetiredKeys(Protocol):
    """A member's signing key from before HR gave them new keys
    (``conversations.directory.RetiredKey``)."""

    @property
    def sign_key(self) -> str: ...

    @property
    def until(self) -> Mapping[str, int]: ...

    def counts(self, device: str, seq: int) -> bool: ...


class Members(Protocol):
    @property
    def members(self) -> Mapping[str, DeviceKeys]: ...


def is_device_id(name: str) -> bool:
    return bool(_DEVICE.fullmatch(name))


def device_folder(device: str) -> str:
    if not is_device_id(device):
        raise ValueError(f"not a device id: {device!r}")
    return f"{JOURNALS}/{device}"


def segment_path(device: str, seq: int) -> str:
    if not 0 < seq < 10**10:
        raise ValueError(f"segment number out of range: {seq}")
    return f"{device_folder(device)}/{seq:010d}"


def seq_of(name: str) -> int | None:
    """The number a segment file name stands for; None for any other name."""
    return int(name) if _SEQ.fullmatch(name) else None


def make_segment(
    identity: Identity,
    *,
    sender: str,
    device: str,
    seq: int,
    objects: Sequence[str],
    previous: Sequence[str] = (),
) -> bytes:
    """The signed segment ``seq`` of ``device`` listing ``objects`` (envelope hashes) and
    ``previous`` (those of the device's segment before it)."""
    segment_path(device, seq)  # checks device and seq
    if not all(is_object_hash(h) for h in [*objects, *previous]):
        raise ValueError("a segment lists object hashes only")
    body = _PREFIX + canonical_json(
        {"format": FORMAT, "sender": sender, "device": device, "seq": seq,
         "objects": list(objects), "previous": list(previous)}
    )
    return body + sealing.sign(identity, body)


def read_segment(blob: bytes, *, device: str, seq: int, directory: Members) -> Segment:
    """The segment found at ``segment_path(device, seq)``, checked; SegmentRejected
    naming why it is not taken (``misplaced`` also for a segment of another slot)."""
    segment = read_any_segment(blob, device=device, directory=directory, owners=None)
    if segment.seq != seq:
        raise SegmentRejected("misplaced")
    return segment


def read_any_segment(
    blob: bytes, *, device: str, directory: Members, owners: Mapping[str, str] | None
) -> Segment:
    """A genuine segment of ``device``'s journal, whichever slot it was found in;
    SegmentRejected naming why not (see the module docstring). ``owners``: device ->
    member, as :func:`owners_of` makes it (worked out here when None)."""
    if len(blob) < len(_PREFIX) + _SIG or not blob.startswith((_PREFIX, _PREFIX_V1)):
        raise SegmentRejected("bad_format")
    body, signature = blob[:-_SIG], blob[-_SIG:]
    raw = body[len(_PREFIX) :]
    try:
        data = json.loads(raw)
        segment = _segment(data, version=blob[len(MAGIC)])
    except (ValueError, TypeError, KeyError):
        raise SegmentRejected("bad_format") from None
    if canonical_json(data) != raw:
        raise SegmentRejected("bad_format")
    if segment.device != device:
        raise SegmentRejected("misplaced")
    sender = directory.members.get(segment.sender)
    if sender is None:
        raise SegmentRejected("unknown_sender")
    if not sealing.verify(sender.sign_key, body, signature):
        retired = next((k for k in sender.retired if sealing.verify(k.sign_key, body, signature)),
                       None)
        if retired is None:
            raise SegmentRejected("bad_signature")
        if not retired.counts(device, segment.seq):
            raise SegmentRejected("retired_key")
    owner = (owners_of(directory) if owners is None else owners).get(device)
    if owner not in (None, segment.sender):
        raise SegmentRejected("foreign")
    return segment


def owners_of(directory: Members) -> dict[str, str]:
    """Device -> the member the directory gives it to (also devices whose segments
    only a retired key of theirs vouches for)."""
    owners = {d: person for person, member in directory.members.items()
              for key in member.retired for d in key.until}
    owners.update(
        {d: person for person, member in directory.members.items() for d in member.devices}
    )
    return owners


def _segment(data: Any, *, version: int) -> Segment:
    keys = _BODY_KEYS if version == FORMAT else _BODY_KEYS_V1
    if not isinstance(data, dict) or set(data) != keys or data["format"] != version:
        raise ValueError("not a journal segment")
    objects, seq = data["objects"], data["seq"]
    previous = data.get("previous", [])
    for hashes in (objects, previous):
        if not isinstance(hashes, list) or not all(
            isinstance(h, str) and is_object_hash(h) for h in hashes
        ):
            raise ValueError("bad object list")
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise ValueError("bad seq")
    if not isinstance(data["sender"], str) or not isinstance(data["device"], str):
        raise ValueError("bad sender or device")
    return Segment(data["sender"], data["device"], seq, tuple(objects), tuple(previous))


def head_path(n: int) -> str:
    """Where hint number ``n`` lives."""
    if not 0 < n < 10**10:
        raise ValueError(f"hint number out of range: {n}")
    return f"{HEADS}/{n // _HEADS_PER_FOLDER:07d}/{n:010d}"


def make_head(device: str, seq: int) -> bytes:
    """The hint that ``device`` has written segment ``seq``."""
    segment_path(device, seq)  # checks both
    return canonical_json({"device": device, "seq": seq})


def read_head(blob: bytes) -> tuple[str, int] | None:
    """The (device, seq) a hint names; None for anything that is not a hint."""
    try:
        data = json.loads(blob)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != {"device", "seq"}:
        return None
    device, seq = data["device"], data["seq"]
    if not isinstance(device, str) or not is_device_id(device):
        return None
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < 10**10:
        return None
    return device, seq
