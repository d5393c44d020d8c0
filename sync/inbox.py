"""Per-recipient inboxes: how a device learns what is new *for its person* (share format 3).

Before format 3 a reader learnt what was new from one global sequence of hints
(``heads/``) and then opened every new envelope in the journals they named to see
whether it was for this person: a sync cost what the whole organisation had pushed, and
once a day every journal was looked at. Now a push also announces its envelopes in the
inbox of each person it is sealed for, and a reader reads only its own inbox::

    inboxes/<inbox>/<n // 1000, 7 digits>/<n, 10 digits>

Bytes of an entry::

    b"SMTI" | format (1 byte, 3) | canonical JSON body | Ed25519 signature (64 bytes)

    body: {"format": 3, "inbox": inbox, "n": n, "sender": person id, "device": device id,
           "seq": the sender's journal segment, "objects": [sha256 hex of each envelope]}

**Names.** ``<inbox>`` is ``storage.sealing.inbox_name`` of the recipient's public
encryption key: an HMAC of a key that is never on the share in clear (it travels in the
directory sealed for members, and in join requests sealed for the organisation). So a
sender computes it from the directory, the recipient from its own key, and someone who
can only open the share sees 32 random-looking hex digits. New keys (a lost device) give
a new inbox. **What the share's administrator can still see** is what envelope headers
already show them: who sent (the entry's ``sender`` and ``device``, as in the header),
which envelopes go to one inbox (and so, by matching the headers' recipient ids, whose
inbox it is), how many entries an inbox has and when they were written. They learn
nothing about who talks to whom that the headers did not tell them already; they can
delete, squat or copy entries — which costs a reader at most a delay or a look, never a
forged record (below).

**Writing** (``sync.engine``): after the envelopes and the journal segment, one entry per
recipient inbox (the sender's own included, so the person's other devices get the push)
at the first free number the sender finds: its own guess for that inbox (the number
after its last entry there), else the end the folder listing shows. Each entry is
created with ``write_once`` (temp + rename), so it is whole or absent; the number is
signed into the entry, so a copy in another slot is told apart. A sender cut off before
its outbox is updated sends the same chunk again; signatures are deterministic, so the
entry it wrote before is found byte-for-byte at its guessed number or at the end of the
listing and nothing is written twice (tested: a push repeated writes no file). Only
where others wrote past it in between is it written again under a new number — and
reading an entry twice changes nothing.

**Reading**: the reader keeps one cursor per inbox (the last number read) and reads the
slots after it until the first empty one: a sync with nothing new costs one look, with
k new entries k + 1 looks and the envelopes they name. An entry is checked before any
envelope it names is read: ``bad_format``; ``misplaced`` (signed for another inbox);
``unknown_sender``; ``bad_signature``; ``retired_key`` (a key HR retired vouches only
for the journal segments up to its device's recorded number, as in ``sync.journal``);
``foreign`` (a device the directory gives to someone else). An entry only a retired key
vouches for is taken only when the journal segment it names lists its objects (whoever
holds the old key could otherwise sign any number into an entry). A genuine entry of this
inbox found in another slot is ``replayed`` and passed when its own slot, already read,
holds the very same bytes (a copy), and ``moved`` but read otherwise (swapped entries).
Envelopes are then opened and verified as always (``sync.envelope``; the entry's
signature vouches for their bytes, like a journal segment's): a forged or replayed entry
costs a look and is reported once, never applied. An entry from someone not yet in the
directory is looked at again on later syncs (a few of them are kept). An empty slot with
entries after it (deleted, or a squatter moved a writer on) is found on the daily look
at this inbox's own folder — a listing of one inbox, never of the organisation's — and
reported as ``missing``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from conversations.records import canonical_json
from storage import sealing
from storage.sealing import Identity
from sync.envelope import EnvelopeRejected, is_object_hash
from sync.journal import Members, is_device_id
from sync.share import Share

FORMAT = 3
MAGIC = b"SMTI"
_PREFIX = MAGIC + bytes([FORMAT])
_SIG = sealing.SIGNATURE_SIZE
INBOXES = "inboxes"
FIRST_ENTRY = 1
PER_FOLDER = 1000
LAST_ENTRY = 10**10 - 1
_INBOX = re.compile(r"[0-9a-f]{32}")
_NUMBER = re.compile(r"[0-9]{10}")
_FOLDER = re.compile(r"[0-9]{7}")
_BODY_KEYS = frozenset({"format", "inbox", "n", "sender", "device", "seq", "objects"})
MAX_OBJECTS = 1000


class EntryRejected(EnvelopeRejected):
    """An inbox entry that is not taken; ``reason`` says why."""

    key = "error.entry_rejected"


@dataclass(frozen=True)
class Entry:
    inbox: str
    n: int
    sender: str
    device: str
    seq: int
    objects: tuple[str, ...]
    by_retired_key: bool = False
    """Vouched for by a key HR retired: the reader also checks that the journal segment
    it names (written before the retirement, write-once) lists these objects."""


def inbox_of(enc_key: str) -> str:
    """The inbox of whoever holds the private half of ``enc_key``."""
    return sealing.inbox_name(enc_key)


def is_inbox(name: str) -> bool:
    return bool(_INBOX.fullmatch(name))


def inbox_folder(inbox: str) -> str:
    if not is_inbox(inbox):
        raise ValueError(f"not an inbox: {inbox!r}")
    return f"{INBOXES}/{inbox}"


def entry_path(inbox: str, n: int) -> str:
    if not FIRST_ENTRY <= n <= LAST_ENTRY:
        raise ValueError(f"entry number out of range: {n}")
    return f"{inbox_folder(inbox)}/{n // PER_FOLDER:07d}/{n:010d}"


def number_of(name: str) -> int | None:
    """The number an entry file name stands for; None for any other name."""
    return int(name) if _NUMBER.fullmatch(name) else None


def folder_number_of(name: str) -> int | None:
    """The number of an inbox's subfolder (``n // 1000``); None for any other name."""
    return int(name) if _FOLDER.fullmatch(name) else None


def make_entry(
    identity: Identity, *, inbox: str, n: int, sender: str, device: str, seq: int,
    objects: tuple[str, ...] | list[str],
) -> bytes:
    """Entry ``n`` of ``inbox``: ``objects`` (envelope hashes) pushed by ``device`` in its
    journal segment ``seq``, signed by ``sender``."""
    entry_path(inbox, n)  # checks inbox and n
    if not is_device_id(device) or not 0 < seq < 10**10:
        raise ValueError("an entry names a device and one of its journal segments")
    if not objects or len(objects) > MAX_OBJECTS or not all(map(is_object_hash, objects)):
        raise ValueError("an entry names 1 to 1000 object hashes")
    body = _PREFIX + canonical_json(
        {"format": FORMAT, "inbox": inbox, "n": n, "sender": sender, "device": device,
         "seq": seq, "objects": list(objects)}
    )
    return body + sealing.sign(identity, body)


def read_entry(
    blob: bytes, *, inbox: str, directory: Members, owner_of: Callable[[str], str | None]
) -> Entry:
    """A genuine entry of ``inbox`` (from whichever slot: compare ``Entry.n``), or
    EntryRejected naming why not (see the module docstring). ``owner_of``: the member the
    directory gives a device to (asked only for a device its sender does not list)."""
    if len(blob) < len(_PREFIX) + _SIG or not blob.startswith(_PREFIX):
        raise EntryRejected("bad_format")
    body, signature = blob[:-_SIG], blob[-_SIG:]
    raw = body[len(_PREFIX) :]
    try:
        data = json.loads(raw)
        entry = _entry(data)
    except (ValueError, TypeError, KeyError):
        raise EntryRejected("bad_format") from None
    if canonical_json(data) != raw:
        raise EntryRejected("bad_format")
    if entry.inbox != inbox:
        raise EntryRejected("misplaced")
    sender = directory.members.get(entry.sender)
    if sender is None:
        raise EntryRejected("unknown_sender")
    if not sealing.verify(sender.sign_key, body, signature):
        retired = next((k for k in sender.retired if sealing.verify(k.sign_key, body, signature)),
                       None)
        if retired is None:
            raise EntryRejected("bad_signature")
        if not retired.counts(entry.device, entry.seq):
            raise EntryRejected("retired_key")
        entry = dataclasses.replace(entry, by_retired_key=True)
    if entry.device not in sender.devices and owner_of(entry.device) not in (None, entry.sender):
        raise EntryRejected("foreign")
    return entry


def _entry(data: object) -> Entry:
    if not isinstance(data, dict) or set(data) != _BODY_KEYS or data["format"] != FORMAT:
        raise ValueError("not an inbox entry")
    objects = data["objects"]
    if not isinstance(objects, list) or not 0 < len(objects) <= MAX_OBJECTS or not all(
        isinstance(h, str) and is_object_hash(h) for h in objects
    ):
        raise ValueError("bad object list")
    numbers = (data["n"], data["seq"])
    if any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 10**10 for v in numbers):
        raise ValueError("bad numbers")
    names = (data["inbox"], data["sender"], data["device"])
    if not all(isinstance(v, str) for v in names) or not is_device_id(data["device"]):
        raise ValueError("bad inbox, sender or device")
    return Entry(data["inbox"], data["n"], data["sender"], data["device"], data["seq"],
                 tuple(objects))


def end_of(share: Share, inbox: str) -> int:
    """The highest entry number the listing of ``inbox``'s newest subfolder shows (0 for
    an empty inbox): where a sender without a guess starts. Two listings at most."""
    folders = sorted(n for n in map(folder_number_of, share.list(inbox_folder(inbox)))
                     if n is not None)
    for folder in reversed(folders):
        names = share.list(f"{inbox_folder(inbox)}/{folder:07d}")
        found = [n for n in map(number_of, names) if n is not None]
        if found:
            return max(found)
    return 0


def listed_after(share: Share, inbox: str, n: int) -> list[int]:
    """Entry numbers above ``n`` that the listings of ``inbox``'s subfolders from ``n``'s
    on show, lowest first: what stands beyond an empty slot (the daily look)."""
    folders = sorted(f for f in map(folder_number_of, share.list(inbox_folder(inbox)))
                     if f is not None and f >= n // PER_FOLDER)
    found: list[int] = []
    for folder in folders:
        names = share.list(f"{inbox_folder(inbox)}/{folder:07d}")
        found.extend(m for m in map(number_of, names) if m is not None and m > n)
    return sorted(found)
