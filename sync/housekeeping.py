"""Share housekeeping: HR's maintenance run removes what the share no longer needs to
keep, judging from envelope headers and journals only — it never opens a record.

**What goes**, each found from the clear header (``sync.envelope``) of envelopes listed
in a genuine journal segment and signed by their sender:

- *past the deadline* (``retention``): every envelope of a conversation's shard, once all
  of the shard's envelopes on the share carry a ``keep_until`` month and all of those
  months are past (``conversations.retention.share_keep_until``, set at push time). A
  shard with one envelope without a deadline (pushed before deadlines existed, or an
  agreement waiting for a follow-up date) stays whole.
- *an erased person's own records* (``erasure``): for each erasure request HR has
  received, the versions of that person's preparations, self-assessments and course
  completions (``conversations.retention.PERSONAL``) that they pushed up to the request.
  Every version that has a later one goes at once (those held the content; the newest is
  the emptied version the erasure published); the newest ones go once the request is
  older than the fetch window, so every device had time to take the emptied version.
- *superseded* (``superseded``): a version with a later version of the same record by
  the same sender, once that later version is older than the fetch window. Conservative:
  a later version by someone else does not count (a member could otherwise make HR
  remove a colleague's version by pushing a forged "child"), and signed agreements are
  documentation the municipality keeps, so theirs never go.

"Older than the fetch window" (:data:`FETCH_WINDOW_DAYS`) has no clock on the share to
read. Each run keeps a *mark* in HR's vault: the last segment number it saw in every
journal, with the day. An envelope counts as old when it is listed in a segment at or
below the mark of a run at least the window ago — so the first run after a new HR
device starts removes nothing superseded.

**Tombstones.** Before anything is removed, the run writes one tombstone per object,
write-once, signed by the HR person::

    removed/<first 2 hex>/<sha256>   b"SMTX" | 1 | canonical JSON body | Ed25519 signature
    body: {"format": 1, "kind": "removed", "object": sha256, "by": HR person id}

A reader that meets a missing envelope looks for its tombstone (:func:`removed_by_hr`):
one signed by a member the directory names as HR means *removed on purpose*, and the
reader says nothing; anything else is reported as missing, as before. A tombstone holds
no content — the object's hash and HR's random id.

**Cut connections.** All tombstones are written before the first removal; a run that
stops part way leaves objects that are present with a tombstone, and the next run removes
every such object first (its tombstone verified). So a cut never leaves a removed object
that readers would report, and the next run finishes. Removal needs a share that can
``remove`` (``sync.share.Erasable``: both backends); on one that cannot, nothing is
tombstoned and :attr:`MaintenanceReport.not_removable` counts what should have gone.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conversations.directory import Directory
from conversations.records import canonical_json
from conversations.retention import PERSONAL, past_deadline
from storage import sealing
from storage.sealing import Identity
from sync.envelope import (
    EnvelopeRejected,
    Header,
    is_object_hash,
    object_path,
    verified_header,
)
from sync.journal import (
    JOURNALS,
    SegmentRejected,
    is_device_id,
    owners_of,
    read_any_segment,
    seq_of,
)
from sync.share import Erasable, Share

FORMAT = 1
MAGIC = b"SMTX"
_PREFIX = MAGIC + bytes([FORMAT])
_SIG = sealing.SIGNATURE_SIZE
REMOVED = "removed"
FETCH_WINDOW_DAYS = 180
"""How long a device has to fetch a version before the versions it supersedes go."""
KEPT_TYPES = frozenset({"agreement"})
"""Record types whose earlier versions are never removed as superseded."""
REASONS = ("erasure", "retention", "superseded")
OBJECTS = "objects"


@dataclass(frozen=True)
class Mark:
    """How far a maintenance run on ``on`` saw each journal: device -> last segment."""

    on: dt.date
    read: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "read": dict(self.read)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mark:
        read = data.get("read", {})
        return cls(dt.date.fromisoformat(str(data["on"])),
                   {str(d): int(n) for d, n in dict(read).items()})


@dataclass(frozen=True)
class Listed:
    """An envelope on the share as a journal lists it: its header and size, and the
    first segment (device, number) that lists it."""

    hash: str
    header: Header
    size: int
    device: str
    seq: int


@dataclass
class MaintenanceReport:
    """What one run removed, per reason: counts and bytes; what it looked at; how long."""

    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    freed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    finished: int = 0
    """Objects a cut run had tombstoned but not removed, removed now."""
    tombstones: int = 0
    tombstone_bytes: int = 0
    not_removable: int = 0
    objects: int = 0
    object_bytes: int = 0
    seconds: float = 0.0
    marks: list[Mark] = field(default_factory=list)

    @property
    def removed_total(self) -> int:
        return sum(self.removed.values()) + self.finished

    @property
    def freed_total(self) -> int:
        return sum(self.freed.values())


# --- tombstones -----------------------------------------------------------------------------


def tombstone_path(digest: str) -> str:
    object_path(digest)  # checks the hash
    return f"{REMOVED}/{digest[:2]}/{digest}"


def make_tombstone(identity: Identity, *, digest: str, by: str) -> bytes:
    """The tombstone of object ``digest``, signed by the HR person ``by``."""
    object_path(digest)
    body = _PREFIX + canonical_json({"format": FORMAT, "kind": "removed", "object": digest,
                                     "by": by})
    return body + sealing.sign(identity, body)


def removed_by_hr(share: Share, digest: str, directory: Directory) -> bool:
    """Whether object ``digest`` was removed on purpose: its tombstone is there and
    signed by a member the directory names as HR."""
    blob = share.read(tombstone_path(digest))
    return blob is not None and _tombstone_signer(blob, digest, directory) is not None


def _tombstone_signer(blob: bytes, digest: str, directory: Directory) -> str | None:
    if len(blob) < len(_PREFIX) + _SIG or not blob.startswith(_PREFIX):
        return None
    body, signature = blob[:-_SIG], blob[-_SIG:]
    try:
        data = json.loads(body[len(_PREFIX):])
    except ValueError:
        return None
    if not isinstance(data, dict) or data != {"format": FORMAT, "kind": "removed",
                                              "object": digest, "by": data.get("by")}:
        return None
    by = data["by"]
    if not isinstance(by, str) or by not in directory.hr_ids():
        return None
    member = directory.members[by]
    return by if sealing.verify(member.sign_key, body, signature) else None


# --- the run --------------------------------------------------------------------------------


def survey(share: Share, directory: Directory) -> tuple[dict[str, Listed], dict[str, int]]:
    """Every authentic envelope a genuine journal segment lists and the share still
    holds, and the last segment number seen per journal. Reads whole journals and every
    listed object: a walk over the share, like the engine's daily look."""
    owners = owners_of(directory)
    where: dict[str, tuple[str, int, str]] = {}  # hash -> device, seq, signer
    seen: dict[str, int] = {}
    for device in share.list(JOURNALS):
        if not is_device_id(device):
            continue
        for name in share.list(f"{JOURNALS}/{device}"):
            seq = seq_of(name)
            blob = None if seq is None else share.read(f"{JOURNALS}/{device}/{name}")
            if seq is None or blob is None:
                continue
            try:
                segment = read_any_segment(blob, device=device, directory=directory,
                                           owners=owners)
            except SegmentRejected:
                continue
            seen[device] = max(seen.get(device, 0), seq)
            for digest in segment.objects:
                _first(where, digest, (device, segment.seq, segment.sender))
            for digest in segment.previous:
                _first(where, digest, (device, segment.seq - 1, segment.sender))
    listed: dict[str, Listed] = {}
    for digest, (device, seq, signer) in where.items():
        blob = share.read(object_path(digest))
        if blob is None:
            continue
        try:
            header = verified_header(blob, digest, directory, vouched_by=signer)
        except EnvelopeRejected:
            continue
        listed[digest] = Listed(digest, header, len(blob), device, seq)
    return listed, seen


def _first(where: dict[str, tuple[str, int, str]], digest: str,
           place: tuple[str, int, str]) -> None:
    known = where.get(digest)
    if known is None or (known[0] == place[0] and place[1] < known[1]):
        where[digest] = place


def plan(
    listed: Mapping[str, Listed],
    *,
    today: dt.date,
    erased: Iterable[str],
    old: Mark | None,
) -> dict[str, str]:
    """Object hash -> why it goes (``erasure``, ``retention``, ``superseded``): the rules
    of the module docstring. ``old``: the mark of a run at least the fetch window ago."""

    def is_old(item: Listed) -> bool:
        return old is not None and item.seq <= old.read.get(item.device, 0)

    doomed: dict[str, str] = {}
    later = _later_versions(listed.values())
    for person in sorted(set(erased)):
        for digest in _erased(person, listed, later, is_old):
            doomed.setdefault(digest, "erasure")
    for digest in _past_deadline(listed.values(), today):
        doomed.setdefault(digest, "retention")
    for digest, item in listed.items():
        if item.header.type in KEPT_TYPES:
            continue
        if any(is_old(child) for child in later.get(digest, ())):
            doomed.setdefault(digest, "superseded")
    return doomed


def _later_versions(items: Iterable[Listed]) -> dict[str, list[Listed]]:
    """Envelope hash -> the envelopes of later versions of the same record by the same
    sender (whose parents or links name its version)."""
    by_version: dict[tuple[str, str, str], list[Listed]] = {}
    items = list(items)
    for item in items:
        h = item.header
        by_version.setdefault((h.record, h.sender, h.version), []).append(item)
    later: dict[str, list[Listed]] = {}
    for item in items:
        h = item.header
        for before in {*h.parents, *h.links}:
            for earlier in by_version.get((h.record, h.sender, before), ()):
                later.setdefault(earlier.hash, []).append(item)
    return later


def _erased(
    person: str,
    listed: Mapping[str, Listed],
    later: Mapping[str, list[Listed]],
    is_old: Callable[[Listed], bool],
) -> list[str]:
    """The envelopes an erasure of ``person`` removes now (see the module docstring)."""
    requests = [i for i in listed.values()
                if i.header.type == "erasure_request" and i.header.sender == person]
    if not requests:
        return []
    request = min(requests, key=lambda i: (i.device, i.seq))
    own = [i for i in listed.values()
           if i.header.sender == person and i.header.type in PERSONAL]
    records = {i.header.record for i in own
               if i.device != request.device or i.seq <= request.seq}
    chosen = []
    for item in own:
        if item.header.record not in records:
            continue
        if later.get(item.hash) or is_old(request):
            chosen.append(item.hash)
    return chosen


def _past_deadline(items: Iterable[Listed], today: dt.date) -> list[str]:
    shards: dict[str, list[Listed]] = {}
    for item in items:
        shards.setdefault(item.header.shard, []).append(item)
    doomed: list[str] = []
    for members in shards.values():
        deadlines = [i.header.keep_until for i in members]
        if all(d is not None and past_deadline(d, today) for d in deadlines):
            doomed.extend(i.hash for i in members)
    return doomed


def old_mark(marks: Sequence[Mark], today: dt.date) -> Mark | None:
    """The newest mark from at least the fetch window before ``today``."""
    cutoff = today - dt.timedelta(days=FETCH_WINDOW_DAYS)
    old = [m for m in marks if m.on <= cutoff]
    return max(old, key=lambda m: m.on) if old else None


def maintain(
    share: Share,
    directory: Directory,
    *,
    hr_id: str,
    identity: Identity,
    today: dt.date,
    erased: Iterable[str],
    marks: Sequence[Mark] = (),
    timer: Callable[[], float] = time.perf_counter,
) -> MaintenanceReport:
    """One maintenance run by the HR person ``hr_id`` (``identity``: their keys): finishes
    what a cut run left, then removes what :func:`plan` chooses. The report's ``marks``
    are the ones to keep for the next run. ValueError unless ``hr_id`` is HR in
    ``directory``; ShareUnavailable / ShareFull propagate (run again)."""
    if hr_id not in directory.hr_ids():
        raise ValueError("only HR runs share maintenance")
    started = timer()
    report = MaintenanceReport()
    if isinstance(share, Erasable):
        report.finished = _finish(share, directory)
    listed, seen = survey(share, directory)
    report.objects = len(listed)
    report.object_bytes = sum(i.size for i in listed.values())
    doomed = plan(listed, today=today, erased=erased, old=old_mark(marks, today))
    if isinstance(share, Erasable):
        _remove(share, doomed, listed, report, identity=identity, hr_id=hr_id)
    else:
        report.not_removable = len(doomed)
    report.marks = _next_marks(marks, Mark(today, seen), today)
    report.seconds = timer() - started
    return report


def _remove(share: Erasable, doomed: Mapping[str, str], listed: Mapping[str, Listed],
            report: MaintenanceReport, *, identity: Identity, hr_id: str) -> None:
    """Every tombstone first, then the objects (see "Cut connections")."""
    order = sorted(doomed, key=lambda d: (listed[d].device, listed[d].seq, d))
    for digest in order:
        stone = make_tombstone(identity, digest=digest, by=hr_id)
        if share.write_once(tombstone_path(digest), stone):
            report.tombstones += 1
            report.tombstone_bytes += len(stone)
    for digest in order:
        if share.remove(object_path(digest)):
            reason = doomed[digest]
            report.removed[reason] += 1
            report.freed[reason] += listed[digest].size


def _finish(share: Erasable, directory: Directory) -> int:
    """Removes objects a cut run tombstoned but left on the share (two listings of the
    fan-out folders, no read per tombstone)."""
    stones = _names_under(share, REMOVED)
    finished = 0
    for name in sorted(stones & _names_under(share, OBJECTS)):
        stone = share.read(tombstone_path(name))
        if stone is not None and _tombstone_signer(stone, name, directory) is not None \
                and share.remove(object_path(name)):
            finished += 1
    return finished


def _names_under(share: Share, root: str) -> set[str]:
    return {name for prefix in share.list(root) for name in share.list(f"{root}/{prefix}")
            if is_object_hash(name) and name.startswith(prefix)}


def _next_marks(marks: Sequence[Mark], new: Mark, today: dt.date) -> list[Mark]:
    """Today's mark (replacing one of the same day), the newest old one, and those since."""
    kept = [m for m in marks if m.on != today] + [new]
    old = old_mark(kept, today)
    return sorted((m for m in kept if old is None or m.on >= old.on), key=lambda m: m.on)
