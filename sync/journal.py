"""Per-device journals on the share: numbered, write-once, signed lists of what was pushed.

Each device appends to its own folder, one segment per push::

    journals/<device id>/<seq, 10 digits from 0000000001>

Bytes of a segment::

    b"SMTJ" | format (1 byte) | canonical JSON body | Ed25519 signature (64 bytes)

    body: {"format": 1, "sender": person id, "device": device id, "seq": n,
           "objects": [sha256 hex of each envelope, in push order]}

The signature is the device owner's (the person's key, as the directory lists it). A
reader checks that the segment sits where its body says (``misplaced`` otherwise: a
valid segment copied under another name), that its sender is in the directory
(``unknown_sender``) and that the signature holds (``bad_signature``); anything
unreadable is ``bad_format``.

A reader remembers, per device, the last seq it has read (the cursor, kept in its vault
by the engine) and asks only for the next one. Gaps cannot arise — a writer only moves
to seq n+1 once segment n exists on the share.

**Heads**: asking each device's journal for its next segment still costs one look per
device (500 devices: 500 file look-ups per sync, and over SMB 500 round trips). So after
each segment a writer also claims the next free number of one shared, write-once
sequence of hints::

    heads/<n // 1000, 7 digits>/<n, 10 digits>    body: {"device": ..., "seq": ...}

A reader keeps one more cursor (the last hint read), reads hints from there until the
first missing number, and looks only at the journals they name: a sync with nothing new
costs one look, with one change a handful. Hints are not signed: a hint only says where
to look, and the segment found there is checked as always; a false one costs a look.
Numbers are claimed with ``write_once``, so hints fill in order without gaps. A hint
lost anyway (a writer that crashed between segment and hint re-sends both; a backend
that cannot create exclusively could let two writers race for one number) is made good
by the full look at every journal the engine takes on a first sync and about once a day.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conversations.records import canonical_json
from storage import sealing
from storage.sealing import Identity
from sync.envelope import EnvelopeRejected, Keyring, is_object_hash

FORMAT = 1
MAGIC = b"SMTJ"
_PREFIX = MAGIC + bytes([FORMAT])
_SIG = sealing.SIGNATURE_SIZE
JOURNALS = "journals"
FIRST_SEQ = 1
_DEVICE = re.compile(r"[0-9a-f]{32}")
_SEQ = re.compile(r"[0-9]{10}")
_BODY_KEYS = frozenset({"format", "sender", "device", "seq", "objects"})
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
    identity: Identity, *, sender: str, device: str, seq: int, objects: Sequence[str]
) -> bytes:
    """The signed segment ``seq`` of ``device`` listing ``objects`` (envelope hashes)."""
    segment_path(device, seq)  # checks device and seq
    if not all(is_object_hash(h) for h in objects):
        raise ValueError("a segment lists object hashes only")
    body = _PREFIX + canonical_json(
        {"format": FORMAT, "sender": sender, "device": device, "seq": seq,
         "objects": list(objects)}
    )
    return body + sealing.sign(identity, body)


def read_segment(blob: bytes, *, device: str, seq: int, directory: Keyring) -> Segment:
    """The segment found at ``segment_path(device, seq)``, checked; SegmentRejected
    naming why it is not taken."""
    if len(blob) < len(_PREFIX) + _SIG or not blob.startswith(_PREFIX):
        raise SegmentRejected("bad_format")
    body, signature = blob[:-_SIG], blob[-_SIG:]
    raw = body[len(_PREFIX) :]
    try:
        data = json.loads(raw)
        segment = _segment(data)
    except (ValueError, TypeError, KeyError):
        raise SegmentRejected("bad_format") from None
    if canonical_json(data) != raw:
        raise SegmentRejected("bad_format")
    if segment.device != device or segment.seq != seq:
        raise SegmentRejected("misplaced")
    sender = directory.members.get(segment.sender)
    if sender is None:
        raise SegmentRejected("unknown_sender")
    if not sealing.verify(sender.sign_key, body, signature):
        raise SegmentRejected("bad_signature")
    return segment


def _segment(data: Any) -> Segment:
    if not isinstance(data, dict) or set(data) != _BODY_KEYS or data["format"] != FORMAT:
        raise ValueError("not a journal segment")
    objects, seq = data["objects"], data["seq"]
    if not isinstance(objects, list) or not all(
        isinstance(h, str) and is_object_hash(h) for h in objects
    ):
        raise ValueError("bad object list")
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise ValueError("bad seq")
    if not isinstance(data["sender"], str) or not isinstance(data["device"], str):
        raise ValueError("bad sender or device")
    return Segment(data["sender"], data["device"], seq, tuple(objects))


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
