"""The sync engine: moves record versions between this vault and the share.

``publish`` is all the app does when a record version is ready to share: the version
goes into a durable **outbox** in the vault and into the vault's own tables at once;
nothing touches the share, so the app never waits for it. ``sync`` (on a worker thread,
whenever the share is reachable) pushes, then pulls:

- **Push**: each outbox item is sealed for ``readers(record, conversation, directory)``
  plus the author (so their other devices get it) and the sealed envelope is kept in
  the outbox *before* it goes out, so a cut connection or a crash re-sends the very
  same bytes (``write_once`` says False, nothing changes). Then the objects, then ONE
  journal segment listing them (the history, ``sync.journal``), then one entry in the
  inbox of each person the chunk is sealed for, the author's own included
  (``sync.inbox``), and only then are the items dropped from the outbox.
- **Pull** (share format 3): this person's inbox is read from this vault's cursor on —
  what is new *for me*, never what the organisation did: nothing new costs one look,
  k new entries k + 1 looks and the envelopes they name. Each entry is checked, each
  envelope opened (``sync.envelope``); rejected ones are logged (``rejected envelope
  <hash>: <reason>`` — never their content) and the rest goes on. A forged, replayed or
  misplaced entry is passed and reported once (``SyncReport.inbox_problems``). A vault
  that has not synced in format 3 yet first reads, once, what was pushed before it:
  the hints since its cursor and the journals they name, or — a new vault on a share
  that has hints — every journal (``_pull_journals``); a share without hints has
  nothing from before. Whatever in a journal is not a genuine segment of its device is
  then reported as before (``SyncReport.journal_problems``).
- **Authorise**: before a version is applied, ``conversations.rights`` decides whether
  its signer may write it, from the shard as it stands (per shard the conversation's
  own versions first, in the order of their history). Refused: ``not_authorised``,
  logged without content, in ``SyncReport.refused`` once per envelope (the hashes
  already told are kept in ``sync.refused``), never applied — so never a reason to seal
  anything for anyone. A version whose rights need a conversation the vault does not
  hold yet waits in ``sync.held`` (hash, signer, shard) and is tried again when it comes.
  A merge version that this engine's own merge makes of two known parents passes as it
  is: every device makes the same one, whoever sends it on.
  Accepted versions are applied per conversation shard in one write per table; the
  cursor moves after the segments it covers are applied, so an interrupted pull resumes
  where it stopped and applying a segment twice is harmless.

Applying a version, without any clock: a record the vault lacks is stored; a version
already seen, or an ancestor of ours, changes nothing; one that descends from ours
fast-forwards; otherwise ``merge(base, lower, higher)`` with the nearest common ancestor
as base (found in the shard's ``versions`` table, every version seen) — or, when the two
share no history because two devices each started a record whose id they derive alike
(``conversations.identity``), the record's blank first version. The two sides go
in ordered by version id, not as "ours" and "theirs", and every field keeps a value
still standing in the history, so every device that merges the same pair makes the same
version; it is shared as the parent of a later published version. Which values clash
is read from the record's history after each apply (``conversations.clashes``), not
from the merge: one entry per record in the shard's ``conflicts`` table, the same on
every device that holds the same versions, closed by a settled version's ``chosen``
note wherever it arrives. A signed
agreement is never merged (``AgreementSigned``): both versions are kept, and the table
holds the one deepest in the version DAG (ties: the higher version id).

Vault meta this engine keeps: ``sync.outbox`` (next journal seq, the next free number
guessed per inbox written to, and the unsent items with the inboxes they go to, one
document so they change together), ``sync.cursors`` (the share format this vault syncs
in, the last entry read per inbox, entries waiting for their sender to join the
directory; from before format 3 the last seq read per device and the last hint read)
and ``sync.maintained`` (when the daily look last ran, and the folders where a write of
this device was cut: that look sweeps their stale temp files — never the whole share —
and lists this person's inbox for entries beyond an empty slot). ``ShareUnavailable`` and
``ShareFull`` propagate after everything is left consistent: unsent items stay in the
outbox, cursors cover only what was applied.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from conversations.clashes import aligned, clashes
from conversations.directory import Directory
from conversations.identity import blank
from conversations.merge import (
    ABSENT,
    CHOSEN,
    AgreementSigned,
    Merge,
    common_ancestor,
    merge_base,
    version_of,
)
from conversations.merge import merge as merge_versions
from conversations.model import Agreement
from conversations.records import canonical_json
from conversations.retention import share_keep_until
from conversations.rights import CONVERSATION_UNKNOWN, needs_conversation
from conversations.rights import refusal as refusal_of
from conversations.visibility import readers as readers_of
from storage import Vault
from storage.schema import (
    CONFLICTS_KEY,
    CONFLICTS_TABLE,
    CURSORS_KEY,
    HELD_KEY,
    MAINTAINED_KEY,
    OUTBOX_KEY,
    REFUSED_KEY,
    VERSIONS_TABLE,
)
from storage.vault import check_shard_id
from sync.envelope import (
    EnvelopeRejected,
    Opened,
    object_path,
    open_envelope,
    read_header,
    seal_envelope,
)
from sync.housekeeping import removed_by_hr
from sync.identity import device_id_of, identity_of
from sync.inbox import (
    FORMAT as SHARE_FORMAT,
)
from sync.inbox import (
    LAST_ENTRY,
    Entry,
    EntryRejected,
    end_of,
    entry_path,
    inbox_of,
    listed_after,
    make_entry,
    read_entry,
)
from sync.journal import (
    FIRST_HEAD,
    FIRST_SEQ,
    HEADS,
    JOURNALS,
    SegmentRejected,
    head_path,
    is_device_id,
    make_segment,
    owners_of,
    read_any_segment,
    read_head,
    read_segment,
    segment_path,
    seq_of,
)
from sync.share import Share, SyncError
from sync.signing import signature_valid

Record = dict[str, Any]
MergeFn = Callable[[Mapping[str, Any] | None, Mapping[str, Any], Mapping[str, Any]], Merge]
ReadersFn = Callable[[Mapping[str, Any], Mapping[str, Any] | None, Directory], frozenset[str]]
RightsFn = Callable[..., str | None]
Progress = Callable[[str, int], None]

RESERVED_TABLES = frozenset({VERSIONS_TABLE, CONFLICTS_TABLE})
NOT_AUTHORISED = "not_authorised"
MAINTAIN_EVERY = 24 * 3600.0
PUSH_CHUNK = 500  # items per journal segment
PULL_BATCH = 5000  # envelopes applied per round of vault writes (~10 MB at most)
_TABLE = re.compile(r"[A-Za-z0-9_]{1,64}")
_MAX_ENTRY_TRIES = 64
_GUESSES = 256  # inboxes whose next free number a writer remembers
_LATER = 32  # entries from senders not in the directory yet, looked at again
CUT_SWEEP_AFTER = 3600.0  # a folder where a write was cut is swept until this long after


@dataclass(frozen=True)
class ConflictNote:
    """Two versions of one record that a person must settle (or, for a signed agreement,
    supersede). ``fields`` names what both changed (``answers.q1``)."""

    shard: str
    table: str
    record_id: str
    versions: tuple[str, ...]
    fields: tuple[str, ...]
    kind: str  # "fields" or "agreement"


@dataclass(frozen=True)
class Refused:
    """A version turned away because its author may not write it (``not_authorised``):
    where it was aimed and who signed it, never what it says. ``rule`` names the rule it
    broke; ``concerns`` the people whose record it touched (they are told)."""

    hash: str
    shard: str
    table: str
    record_id: str
    type: str
    sender: str
    rule: str
    concerns: frozenset[str]


@dataclass(frozen=True)
class JournalProblem:
    """Something wrong in a device's journal, reported once: ``reason`` is ``missing``
    (segments ``first``..``last`` are gone, a later one is there), ``moved`` (a genuine
    segment in another slot: reordered or replayed; taken all the same) or why the slot's
    content is not a segment of this device (``bad_format``, ``bad_signature``,
    ``foreign``, ``misplaced``)."""

    device: str
    first: int
    last: int
    reason: str


@dataclass(frozen=True)
class InboxProblem:
    """Something wrong in this person's inbox (``sync.inbox``), reported once: entries
    ``first``..``last`` and ``reason`` — ``missing`` (empty slots with entries after
    them), ``moved``, ``replayed``, or why an entry is not taken (``bad_format``,
    ``misplaced``, ``bad_signature``, ``retired_key``, ``foreign``)."""

    inbox: str
    first: int
    last: int
    reason: str


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    rejected: list[str] = field(default_factory=list)
    conflicts: list[ConflictNote] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    journal_problems: list[JournalProblem] = field(default_factory=list)
    inbox_problems: list[InboxProblem] = field(default_factory=list)
    """Versions not authorised, each reported once (a replay of one is not reported again)."""
    changed: list[str] = field(default_factory=list)
    """Conversation shards whose records changed: the app refreshes those summaries."""
    synced_at: float | None = None

    def refused_concerning(self, person_id: str) -> list[Refused]:
        """The refused versions that touched ``person_id``'s records: what they are told."""
        return [r for r in self.refused if person_id in r.concerns]


@dataclass
class _Applied:
    new_versions: int = 0
    changed: bool = False
    conflicts: list[ConflictNote] = field(default_factory=list)


class SyncEngine:
    """Publishes this vault's record versions to a share and takes in the others'.

    ``merge``/``readers`` default to ``conversations.merge.merge`` and
    ``conversations.visibility.readers``; ``clock`` is only for the report's
    ``synced_at`` and the daily maintenance — never for ordering versions.
    Thread-safe, also across engines made for the same vault (the app may make one per
    call): ``publish`` may run while ``sync`` does; syncs of one vault run one at a time.
    """

    def __init__(
        self,
        vault: Vault,
        share: Share,
        directory: Directory,
        me_id: str,
        *,
        merge: MergeFn = merge_versions,
        readers: ReadersFn = readers_of,
        rights: RightsFn = refusal_of,
        log: logging.Logger | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.vault = vault
        self.share = share
        self.directory = directory
        self.me_id = me_id
        self.device = device_id_of(vault)
        self._identity = identity_of(vault)
        self._merge = merge
        self._readers = readers
        self._rights = rights
        self._log = log or logging.getLogger("samtale.sync")
        self._clock = clock
        self._state, self._syncing = _locks_of(vault)
        self._owners_of: tuple[Directory, dict[str, str]] | None = None

    # -- the app's side ----------------------------------------------------------------

    def publish(self, shard_id: str, table: str, record: Mapping[str, Any]) -> None:
        """Keeps ``record`` (a version: ``version`` is the hash of its content) in the
        vault and in the outbox; durable when it returns. Never touches the share.

        Merges this engine made and never shared go into the outbox first, as the new
        version's ancestors, so other devices can follow its history. Autosaved versions
        in between that were never published are not sent: the envelope's ``links``
        name the shared versions they came from instead.
        """
        check_shard_id(shard_id)
        _check_table(table)
        record = dict(record)
        if record.get("version") != version_of(record) or not isinstance(record.get("id"), str):
            raise ValueError("publish a record version: an id, and a version that is its hash")
        with self._state:
            versions = self.vault.read_shard(shard_id).get(VERSIONS_TABLE, {})
            version = Incoming(table, record, _links_for(record, _dag(versions)))
            unshared = _unshared_ancestors(versions, record)
            self._add_to_outbox(shard_id, [*unshared, version])
            self._apply(shard_id, [version])
            if unshared:
                docs = [{**versions[v.record["version"]], "local": False} for v in unshared]
                self.vault.put_records(shard_id, VERSIONS_TABLE, docs)

    def pending(self) -> int:
        """Versions waiting in the outbox."""
        return len(self._outbox()["items"])

    def sync(self, progress: Progress | None = None) -> SyncReport:
        """Push, then pull. ShareUnavailable / ShareFull propagate, with the outbox and
        cursors consistent: the next sync goes on from there."""
        report = SyncReport()
        with self._syncing:
            maintain = self._maintenance_due()
            cut = self._sweep_cut() if maintain else None
            waiting = self._push(report, progress)
            self._pull(report, progress, everywhere=maintain)
            if waiting and report.changed:  # their conversation may have come in
                self._push(report, progress)
            if cut is not None:  # (a write cut in this sync raised: nothing is lost)
                self.vault.put_meta(MAINTAINED_KEY, {"at": self._clock(), "cut": cut})
        report.synced_at = self._clock()
        self._log.info(
            "synced: %d pushed, %d pulled, %d rejected, %d conflicts",
            report.pushed, report.pulled, len(report.rejected), len(report.conflicts),
        )
        return report

    # -- push --------------------------------------------------------------------------

    def _push(self, report: SyncReport, progress: Progress | None) -> int:
        """Sends the outbox; returns how many items wait for their conversation."""
        items = self._outbox()["items"]
        if not items:
            return 0
        self._reapply(items)  # a crash may have come between outbox and tables
        waiting = 0
        for start in range(0, len(items), PUSH_CHUNK):
            chunk = self._sealed(items[start : start + PUSH_CHUNK])
            waiting += len(items[start : start + PUSH_CHUNK]) - len(chunk)
            if not chunk:
                continue
            for item in chunk:
                self._write(object_path(item["hash"]), _unb64(item["envelope"]))
            seq, again = self._write_segment([item["hash"] for item in chunk])
            guesses = self._deliver(chunk, seq, again=again)
            self._sent(chunk, seq, guesses)
            report.pushed += len(chunk)
            if progress:
                progress("push", report.pushed)
        return waiting

    def _reapply(self, items: list[dict[str, Any]]) -> None:
        by_shard: dict[str, list[Incoming]] = {}
        for item in items:
            by_shard.setdefault(item["shard"], []).append(
                Incoming(item["table"], item["record"], tuple(item.get("links", ())))
            )
        for shard, records in by_shard.items():
            with self._state:
                self._apply(shard, records)

    def _sealed(self, chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The chunk's items with their envelopes, sealed now where not yet, and kept in
        the outbox before any of them goes out. Left out: records of a conversation this
        vault does not hold yet — who reads them depends on it (they wait, not shrink
        to their author)."""
        if all(item.get("hash") for item in chunk):
            return chunk
        with self._state:
            outbox = self._outbox()
            wanted = {item["version"] for item in chunk}
            conversations: dict[str, Record | None] = {}
            waiting: set[str] = set()
            for item in outbox["items"]:
                if item["version"] not in wanted or item.get("hash"):
                    continue
                shard = item["shard"]
                if shard not in conversations:
                    conversations[shard] = self._conversation(shard)
                if conversations[shard] is None and item["record"].get("conversation_id"):
                    waiting.add(item["version"])
                    continue
                recipients = self._recipients(item["record"], conversations[shard])
                digest, blob = seal_envelope(
                    item["record"],
                    shard=shard,
                    table=item["table"],
                    sender=self.me_id,
                    device=self.device,
                    identity=self._identity,
                    recipients=recipients,
                    links=item.get("links", ()),
                    keep_until=share_keep_until(conversations[shard], self._today()),
                )
                item["hash"], item["envelope"] = digest, _b64(blob)
                item["inboxes"] = sorted({inbox_of(key) for key in recipients.values()})
            if len(waiting) < len(wanted):
                self.vault.put_meta(OUTBOX_KEY, outbox)
            ready = wanted - waiting
            return [item for item in outbox["items"] if item["version"] in ready]

    def _today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self._clock(), tz=dt.UTC).date()

    def _recipients(self, record: Record, conversation: Record | None) -> dict[str, str]:
        """Person id -> public encryption key: the record's readers, and always me."""
        try:
            people = set(self._readers(record, conversation, self.directory))
        except ValueError as exc:  # fails closed: only the author reads
            self._log.warning("readers of record %s: %s; sealed for its author", record["id"], exc)
            people = set()
        keys = {self.me_id: self._identity.public().enc}
        for person in sorted(people - {self.me_id}):
            member = self.directory.members.get(person)
            if member is None or not member.enc_key:
                self._log.warning("reader %s has no public key; not sealed for them", person)
                continue
            keys[person] = member.enc_key
        return keys

    def _conversation(self, shard: str) -> Record | None:
        """The shard's conversation record (its id is the shard id), wherever it is kept."""
        return _conversation_in(self.vault.read_shard(shard), shard)

    def _write_segment(self, hashes: list[str]) -> tuple[int, bool]:
        """Writes the next segment of this device's journal; returns its seq, and whether
        it was there already.

        A segment already at that seq that is byte-for-byte ours was written before a cut
        or a crash (signatures are deterministic); anything else there (someone squatted
        the slot) makes us list the journal once and take the first free number above,
        so no number of squatted slots holds the writer up.
        """
        outbox = self._outbox()
        seq = int(outbox["next_seq"])
        previous = outbox.get("last_objects", [])
        taken: set[int] | None = None
        while True:
            blob = make_segment(
                self._identity, sender=self.me_id, device=self.device, seq=seq,
                objects=hashes, previous=previous,
            )
            path = segment_path(self.device, seq)
            if self._write(path, blob):
                return seq, False
            if self.share.read(path) == blob:
                return seq, True
            self._log.warning("journal segment %s is taken; writing the next free one", path)
            if taken is None:
                names = self.share.list(segment_path(self.device, 1).rsplit("/", 1)[0])
                taken = {n for n in map(seq_of, names) if n is not None}
            seq += 1
            while seq in taken:
                seq += 1

    def _deliver(self, chunk: list[dict[str, Any]], seq: int, *, again: bool
                 ) -> dict[str, int]:
        """Announces the chunk's envelopes in each recipient's inbox (``sync.inbox``),
        one entry per inbox, mine included; returns the next number guessed per inbox.
        ``again``: the segment was on the share already (a retry after a cut or a crash),
        so an entry may be there too."""
        by_inbox: dict[str, list[str]] = {}
        for item in chunk:
            for inbox in self._inboxes_of(item):
                by_inbox.setdefault(inbox, []).append(item["hash"])
        guesses = {str(k): int(v) for k, v in self._outbox().get("inbox_next", {}).items()}
        posted: dict[str, int] = {}
        for inbox, hashes in sorted(by_inbox.items()):
            posted[inbox] = self._post(inbox, hashes, seq, guess=guesses.get(inbox),
                                       again=again) + 1
        return posted

    def _post(self, inbox: str, hashes: list[str], seq: int, *, guess: int | None,
              again: bool) -> int:
        """Writes one entry into ``inbox`` at the first free number from ``guess`` (or
        after what the listing shows); returns its number. Taken slots are passed by
        one listing, so squatters cannot hold the writer up. On a retry the entry found
        byte-for-byte at the guess or at the listing's end is the one written before
        (signatures are deterministic): nothing is written twice."""

        def entry(n: int) -> bytes:
            return make_entry(self._identity, inbox=inbox, n=n, sender=self.me_id,
                              device=self.device, seq=seq, objects=hashes)

        def listed_end() -> int:
            end = end_of(self.share, inbox)
            if again and end and self.share.read(entry_path(inbox, end)) == entry(end):
                return end - 1  # ours, from before the cut: found again below
            return end

        listed = guess is None
        n = guess if guess is not None else listed_end() + 1
        for _ in range(_MAX_ENTRY_TRIES):
            if n > LAST_ENTRY:
                break
            blob = entry(n)
            path = entry_path(inbox, n)
            if self._write(path, blob) or self.share.read(path) == blob:
                return n
            if listed:
                n += 1
            else:
                n = max(n, listed_end()) + 1
                listed = True
        raise SyncError("no free entry number in an inbox on the share", inbox=inbox)

    def _inboxes_of(self, item: Mapping[str, Any]) -> list[str]:
        """The inboxes an outbox item goes to: kept when it was sealed; for an item
        sealed before inboxes existed, from its envelope's recipients."""
        if "inboxes" in item:
            return [str(i) for i in item["inboxes"]]
        mine = self._identity.public().enc
        found = set()
        for person in read_header(_unb64(item["envelope"])).recipients:
            member = self.directory.members.get(person)
            key = mine if person == self.me_id else (member.enc_key if member else "")
            if key:
                found.add(inbox_of(key))
        return sorted(found)

    def _write(self, path: str, data: bytes) -> bool:
        """``write_once``, noting the folder where a cut write may have left a temp file
        (swept on the daily maintenance: never the whole share)."""
        try:
            return self.share.write_once(path, data)
        except SyncError:
            folder = path.rsplit("/", 1)[0]
            with self._state:
                doc = self.vault.get_meta(MAINTAINED_KEY) or {}
                doc["cut"] = {**doc.get("cut", {}), folder: self._clock()}
                self.vault.put_meta(MAINTAINED_KEY, doc)
            raise

    def _sweep_cut(self) -> dict[str, float]:
        """Sweeps stale temp files from the folders where this device's writes were cut;
        returns those to sweep again (cut too recently for their temps to count as
        stale)."""
        cut = {str(k): float(v) for k, v in
               (self.vault.get_meta(MAINTAINED_KEY) or {}).get("cut", {}).items()}
        removed = 0
        for folder in sorted(cut):
            removed += self.share.sweep_temps(under=folder)
        if removed:
            self._log.info("removed %d stale temp files from the share", removed)
        now = self._clock()
        return {k: v for k, v in cut.items() if now - v < CUT_SWEEP_AFTER}

    def _sent(self, chunk: list[dict[str, Any]], seq: int, guesses: Mapping[str, int]) -> None:
        sent = {item["version"] for item in chunk}
        with self._state:
            outbox = self._outbox()
            outbox["items"] = [item for item in outbox["items"] if item["version"] not in sent]
            if seq + 1 > int(outbox["next_seq"]):
                outbox["next_seq"] = seq + 1
                outbox["last_objects"] = [item["hash"] for item in chunk]
            known = {k: v for k, v in outbox.get("inbox_next", {}).items() if k not in guesses}
            known.update(guesses)  # the newest last; the oldest go first
            outbox["inbox_next"] = dict(list(known.items())[-_GUESSES:])
            self.vault.put_meta(OUTBOX_KEY, outbox)

    def _outbox(self) -> dict[str, Any]:
        return self.vault.get_meta(OUTBOX_KEY) or {"next_seq": FIRST_SEQ, "items": []}

    def _add_to_outbox(self, shard: str, versions: Iterable[Incoming]) -> None:
        outbox = self._outbox()
        known = {item["version"] for item in outbox["items"]}
        added = False
        for table, record, links in versions:
            if record["version"] in known:
                continue
            known.add(record["version"])
            outbox["items"].append(
                {"shard": shard, "table": table, "version": record["version"],
                 "record": record, "links": list(links)}
            )
            added = True
        if added:
            self.vault.put_meta(OUTBOX_KEY, outbox)

    # -- pull --------------------------------------------------------------------------

    def _pull(self, report: SyncReport, progress: Progress | None, *, everywhere: bool) -> None:
        """Reads this person's inbox from its cursor on (``sync.inbox``) and opens the
        envelopes its entries name — never the organisation's journals or hints. Only a
        vault that has not synced in share format 3 yet first reads what came before it
        (``_pull_journals``), once. Envelopes are applied in batches; cursors move only
        past what was applied. ``everywhere``: the daily look — this inbox's own folder is
        listed for entries beyond an empty slot, and held versions are tried again."""
        state = self.vault.get_meta(CURSORS_KEY) or {}
        intake = _Intake(dict(state.get("devices", {})), state.get("heads"))
        intake.waiting = set(state.get("waiting", ()))
        intake.format = state.get("format")
        intake.inboxes = {str(k): int(v) for k, v in state.get("inboxes", {}).items()}
        intake.later = {int(n) for n in state.get("later", ())}
        if state.get("holding", True):  # only read when something may wait
            intake.held = {
                digest: (str(signer), str(shard))
                for digest, (signer, shard) in
                (self.vault.get_meta(HELD_KEY) or {}).get("envelopes", {}).items()
            }
        intake.held_saved = dict(intake.held)
        intake.saved_state = intake.state() if state else None
        try:
            if intake.format != SHARE_FORMAT:
                self._pull_journals(intake, report, progress)
                intake.format = SHARE_FORMAT
            self._pull_inbox(intake, report, progress, look=everywhere)
            self._take(intake, report)
            self._retake_held(intake, report, everywhere=everywhere)
        finally:  # also when the share goes away: keep what was read in full
            self._take(intake, report)

    def _pull_journals(self, intake: _Intake, report: SyncReport, progress: Progress | None
                       ) -> None:
        """What was pushed before share format 3, read once per vault: a vault that
        synced with hints before reads the hints since its cursor and the journals they
        name; a new vault on a share that has hints reads every journal (what a first
        sync cost before); on a share without hints there is nothing to read. From then
        on journals are the history only."""
        legacy = intake.heads is not None
        if legacy:
            named, intake.heads = self._hints(int(intake.heads or FIRST_HEAD - 1))
            devices = list(dict.fromkeys([*named, *sorted(intake.waiting)]))
        elif self.share.list(HEADS):
            named = {}
            devices = [d for d in self.share.list(JOURNALS) if is_device_id(d)]
        else:
            return
        for device in devices:
            if device == self.device:
                continue
            self._pull_device(device, intake, report, hinted=named.get(device, 0),
                              listing=not legacy)
            if len(intake.batch) >= PULL_BATCH:
                self._take(intake, report)
            if progress:
                progress("pull", report.pulled + len(intake.batch))
        self._take(intake, report)

    def _pull_inbox(self, intake: _Intake, report: SyncReport, progress: Progress | None,
                    *, look: bool) -> None:
        inbox = inbox_of(self._identity.public().enc)
        before = intake.inboxes.get(inbox, 0)
        for slot in sorted(intake.later):  # their senders may be in the directory now
            blob = self.share.read(entry_path(inbox, slot))
            if blob is None or self._take_entry(inbox, slot, blob, before=before,
                                                intake=intake, report=report):
                intake.later.discard(slot)
        n, looked = before, not look
        while n < LAST_ENTRY:
            slot = n + 1
            blob = self.share.read(entry_path(inbox, slot))
            if blob is None:
                if looked:
                    return
                looked = True
                beyond = listed_after(self.share, inbox, n)
                if not beyond:
                    return
                if beyond[0] > slot:
                    self._inbox_problem(report, inbox, slot, beyond[0] - 1, "missing")
                n = beyond[0] - 1
                continue
            taken = self._take_entry(inbox, slot, blob, before=before, intake=intake,
                                     report=report)
            if not taken and len(intake.later) < _LATER:
                intake.later.add(slot)
            n = intake.inboxes[inbox] = slot
            if len(intake.batch) >= PULL_BATCH:
                self._take(intake, report)
            if progress:
                progress("pull", report.pulled + len(intake.batch))

    def _take_entry(self, inbox: str, slot: int, blob: bytes, *, before: int,
                    intake: _Intake, report: SyncReport) -> bool:
        """Checks the entry in ``slot`` and adds the envelopes it names to the batch
        (except my own device's); False when its sender is not in the directory (yet)."""
        try:
            entry = read_entry(blob, inbox=inbox, directory=self.directory,
                               owner_of=lambda device: self._owners().get(device))
        except EntryRejected as exc:
            if exc.reason == "unknown_sender":
                if slot not in intake.later:
                    self._rejected(report, f"inbox entry {entry_path(inbox, slot)}", exc.reason)
                return False
            self._inbox_problem(report, inbox, slot, slot, exc.reason)
            return True
        if entry.by_retired_key and not self._in_segment(entry):
            self._inbox_problem(report, inbox, slot, slot, "retired_key")
            return True
        if entry.n != slot:
            if entry.n <= before and self.share.read(entry_path(inbox, entry.n)) == blob:
                # a copy of one read before: costs nothing more
                self._inbox_problem(report, inbox, slot, slot, "replayed")
                return True
            self._inbox_problem(report, inbox, slot, slot, "moved")
        if entry.device != self.device:
            intake.batch.extend(self._opened(entry.objects, entry.sender, report))
            # how far this device has read that device's journal (what a retired key of
            # its owner is to vouch for, ``services.devices``)
            intake.read[entry.device] = max(intake.read.get(entry.device, 0), entry.seq)
        return True

    def _in_segment(self, entry: Entry) -> bool:
        """Whether the journal segment an entry names is genuine and lists its objects."""
        blob = self.share.read(segment_path(entry.device, entry.seq))
        if blob is None:
            return False
        try:
            segment = read_segment(blob, device=entry.device, seq=entry.seq,
                                   directory=self.directory)
        except SegmentRejected:
            return False
        return segment.sender == entry.sender and set(entry.objects) <= set(segment.objects)

    def _inbox_problem(self, report: SyncReport, inbox: str, first: int, last: int,
                       reason: str) -> None:
        numbers = str(first) if first == last else f"{first}-{last}"
        self._log.warning("inbox entry %s/%s: %s", inbox, numbers, reason)
        report.rejected.append(f"inbox entry {inbox}/{numbers}: {reason}")
        report.inbox_problems.append(InboxProblem(inbox, first, last, reason))

    def _retake_held(self, intake: _Intake, report: SyncReport, *, everywhere: bool) -> None:
        """Versions that arrived before their conversation are tried again once it came
        (in this sync; on the daily look, wherever it came from). The envelopes stay on
        the share; only their hash, signer and place wait in the vault."""
        for digest, (signer, shard) in list(intake.held.items()):
            if shard in intake.conversations_came or (
                everywhere and self._conversation(shard) is not None
            ):
                opened = self._opened([digest], signer, report)
                if not opened:
                    intake.held.pop(digest, None)
                intake.batch.extend(opened)
        self._take(intake, report)

    def _hints(self, read_up_to: int) -> tuple[dict[str, int], int]:
        """The devices named by hints after ``read_up_to`` with the highest segment
        number named for each, and the last hint there is."""
        named: dict[str, int] = {}
        while (blob := self.share.read(head_path(read_up_to + 1))) is not None:
            read_up_to += 1
            hint = read_head(blob)
            if hint is None:
                self._log.info("skipped a hint that is not one: %s", head_path(read_up_to))
            elif hint[0] != self.device:
                named[hint[0]] = max(hint[1], named.get(hint[0], 0))
        return named, read_up_to

    def _pull_device(
        self, device: str, intake: _Intake, report: SyncReport, *, hinted: int, listing: bool
    ) -> None:
        """Reads ``device``'s journal from its cursor on, past anything that is not a
        genuine segment of it and across gaps a genuine segment stands after (see
        ``sync.journal``). ``hinted``: the highest number a hint named; ``listing``: look
        for segments beyond an empty slot in the folder listing too (the daily look)."""
        read_up_to = intake.read_up_to(device)
        intake.waiting.discard(device)
        gap_from: int | None = None
        end: int | None = None
        while True:
            seq = read_up_to + 1
            path = segment_path(device, seq)
            blob = self.share.read(path)
            if blob is None:
                if end is None:
                    end = self._last_genuine(device, seq, hinted=hinted, listing=listing)
                if seq >= end:
                    return
                gap_from = seq if gap_from is None else gap_from
                read_up_to = seq  # passed; reported once a segment after it is taken
                continue
            try:
                segment = read_any_segment(
                    blob, device=device, directory=self.directory, owners=self._owners()
                )
            except SegmentRejected as exc:
                if exc.reason == "unknown_sender" and device not in self._owners():
                    self._rejected(report, f"journal segment {path}", exc.reason)
                    intake.waiting.add(device)  # they may join the directory: look again
                    return
                self._journal_problem(report, device, seq, seq, exc.reason)
                read_up_to = seq
                intake.read[device] = read_up_to
                continue
            hashes = list(segment.objects)
            if segment.seq != seq:  # reordered, or an old segment copied here
                self._journal_problem(report, device, seq, seq, "moved")
            if gap_from is not None:
                self._journal_problem(report, device, gap_from, seq - 1, "missing")
                hashes = [*segment.previous, *hashes]
                gap_from = None
            intake.batch.extend(self._opened(hashes, segment.sender, report))
            read_up_to = seq
            intake.read[device] = read_up_to
            if len(intake.batch) >= PULL_BATCH:
                self._take(intake, report)

    def _last_genuine(self, device: str, empty: int, *, hinted: int, listing: bool) -> int:
        """The number of a genuine segment of ``device`` beyond the empty slot ``empty``
        (0 when none is known): a hint or a listing only says where to look."""
        candidates = {hinted} if hinted > empty else set()
        if listing:
            names = self.share.list(f"{JOURNALS}/{device}")
            found = sorted((n for n in map(seq_of, names) if n is not None and n > empty),
                           reverse=True)
            candidates.update(found[:3])  # the highest few: junk further on costs nothing
        for seq in sorted(candidates, reverse=True):
            blob = self.share.read(segment_path(device, seq))
            if blob is None:
                continue
            try:
                segment = read_any_segment(
                    blob, device=device, directory=self.directory, owners=self._owners()
                )
            except SegmentRejected:
                continue
            if segment.seq == seq:
                return seq
        return 0

    def _owners(self) -> dict[str, str]:
        directory = self.directory
        if self._owners_of is None or self._owners_of[0] is not directory:
            self._owners_of = (directory, owners_of(directory))
        return self._owners_of[1]

    def _journal_problem(
        self, report: SyncReport, device: str, first: int, last: int, reason: str
    ) -> None:
        """Logs and reports what was wrong in a journal: which device, which numbers."""
        numbers = str(first) if first == last else f"{first}-{last}"
        self._log.warning("journal of device %s, segment %s: %s", device, numbers, reason)
        report.rejected.append(f"journal segment {JOURNALS}/{device}/{numbers}: {reason}")
        report.journal_problems.append(JournalProblem(device, first, last, reason))

    def _opened(self, hashes: Iterable[str], signer: str, report: SyncReport) -> list[Opened]:
        opened = []
        for digest in hashes:
            blob = self.share.read(object_path(digest))
            if blob is None:
                if removed_by_hr(self.share, digest, self.directory):
                    continue  # HR's maintenance run removed it (sync.housekeeping)
                self._rejected(report, f"envelope {digest}", "missing")
                continue
            try:
                envelope = open_envelope(
                    blob, digest, self.directory, self.me_id, self._identity, vouched_by=signer
                )
            except EnvelopeRejected as exc:
                if exc.reason != "not_for_me":
                    self._rejected(report, f"envelope {digest}", exc.reason)
                continue
            if envelope.header.table in RESERVED_TABLES or not _TABLE.fullmatch(
                envelope.header.table
            ):
                self._rejected(report, f"envelope {digest}", "bad_table")
                continue
            opened.append(envelope)
        return opened

    def _take(self, intake: _Intake, report: SyncReport) -> None:
        """Authorises the batch of opened envelopes, applies what may be written, then
        moves the cursors past it. Per shard the conversation's own versions go first:
        the rights on everything else are read from the conversation they leave."""
        by_shard: dict[str, list[Opened]] = {}
        for envelope in intake.batch:
            by_shard.setdefault(envelope.header.shard, []).append(envelope)
        for shard, envelopes in by_shard.items():
            ordered = [
                [e for e in envelopes if e.record.get("type") == "conversation"],
                [e for e in envelopes if e.record.get("type") != "conversation"],
            ]
            for part in ordered:
                if not part:
                    continue
                with self._state:
                    allowed = self._authorised(shard, part, intake, report)
                    applied = self._apply(shard, allowed)
                if applied.changed and part is ordered[0]:
                    intake.conversations_came.add(shard)
                report.pulled += applied.new_versions
                report.conflicts.extend(applied.conflicts)
                if applied.changed and shard not in report.changed:
                    report.changed.append(shard)
        intake.batch = []
        if intake.refused_new:
            refused = self.vault.get_meta(REFUSED_KEY) or {"hashes": []}
            refused["hashes"] = sorted({*refused["hashes"], *intake.refused_new})
            self.vault.put_meta(REFUSED_KEY, refused)
            intake.refused_new.clear()
        if intake.held != intake.held_saved:  # before the cursors pass what waits
            self.vault.put_meta(
                HELD_KEY, {"envelopes": {d: list(v) for d, v in intake.held.items()}}
            )
            intake.held_saved = dict(intake.held)
        state = intake.state()
        if state != intake.saved_state:
            self.vault.put_meta(CURSORS_KEY, state)
            intake.saved_state = state

    # -- write rights ----------------------------------------------------------------

    def _authorised(
        self, shard: str, envelopes: list[Opened], intake: _Intake, report: SyncReport
    ) -> list[Incoming]:
        """The versions among ``envelopes`` their authors may write, decided from the
        shard as it stands (conversation versions: from their parents, in the order of
        the version history). A version that needs its conversation while the vault has
        none waits in ``intake.held``; one not authorised is reported and dropped.
        Caller holds ``self._state``."""
        tables = self.vault.read_shard(shard)
        dag = _dag(tables.get(VERSIONS_TABLE, {}))
        conversation = _conversation_in(tables, shard)
        pending = [e for e in envelopes if e.header.version not in dag]
        allowed: list[Incoming] = []
        while pending:
            coming = {e.header.version for e in pending}
            ready = [e for e in pending if not (set(_before_refs(e)) & coming - {e.header.version})]
            ready = ready or pending  # a (hostile) cycle: decide them as they stand
            for envelope in ready:
                pending.remove(envelope)
                record, header = envelope.record, envelope.header
                rule = self._refusal(shard, envelope, tables, dag, conversation)
                if rule == CONVERSATION_UNKNOWN:
                    intake.held[envelope.hash] = (header.sender, shard)
                    continue
                intake.held.pop(envelope.hash, None)
                if rule is not None:
                    self._refuse(envelope, rule=rule, tables=tables, conversation=conversation,
                                 intake=intake, report=report)
                    continue
                dag[header.version] = _with_links(record, header.links)
                allowed.append(Incoming(header.table, record, header.links))
        return allowed

    def _refusal(
        self,
        shard: str,
        envelope: Opened,
        tables: Mapping[str, Mapping[str, Record]],
        dag: dict[str, Record],
        conversation: Record | None,
    ) -> str | None:
        record, header = envelope.record, envelope.header
        if self._is_merge_of_known(record, dag):
            return None  # made by the engine from versions already authorised
        before = [dag[v] for v in _before_refs(envelope) if v in dag]
        before = [r for r in before if r.get("id") == record["id"]]
        if not before:  # descends from nothing this vault knows: judged against its copy
            ours = tables.get(header.table, {}).get(record["id"])
            before = [ours] if ours is not None else []
        if needs_conversation(record) and conversation is None:
            return CONVERSATION_UNKNOWN
        try:
            return self._rights(
                record, before, conversation, self.directory,
                conversation_id=shard, signer=header.sender,
                signatures_genuine=self._own_signatures_genuine,
            )
        except (TypeError, ValueError, KeyError):  # fails closed on malformed fields
            return "malformed"

    def _own_signatures_genuine(self, record: Mapping[str, Any]) -> bool:
        """Whether each signature an agreement version carries by its author verifies."""
        agreement = Agreement.from_dict(record)
        own = [s for s in agreement.signatures if s.signer_id == agreement.author]
        return bool(own) and all(signature_valid(agreement, s, self.directory) for s in own)

    def _is_merge_of_known(self, record: Record, dag: Mapping[str, Record]) -> bool:
        """Whether ``record`` is exactly what this engine's merge makes of its two known
        parents (every device makes the same merge, whoever sends it on)."""
        parents = [str(p) for p in record.get("parents", ())]
        if len(parents) != 2 or not all(p in dag for p in parents):
            return False
        low, high = sorted((dag[p] for p in parents), key=lambda r: str(r["version"]))
        if low.get("id") != record.get("id") or high.get("id") != record.get("id"):
            return False
        try:
            merged = _joined(self._merge(_base(dag, low, high), low, high), low, high, dag)
        except (AgreementSigned, ValueError):
            return False
        return merged.record.get("version") == record.get("version")

    def _refuse(
        self,
        envelope: Opened,
        *,
        rule: str,
        tables: Mapping[str, Mapping[str, Record]],
        conversation: Record | None,
        intake: _Intake,
        report: SyncReport,
    ) -> None:
        """Logs and reports a version that is not authorised, once per envelope."""
        if intake.refused is None:  # read at the first refusal of a sync, not every sync
            intake.refused = set((self.vault.get_meta(REFUSED_KEY) or {}).get("hashes", ()))
        if envelope.hash in intake.refused or envelope.hash in intake.refused_new:
            return
        intake.refused_new.add(envelope.hash)
        header, record = envelope.header, envelope.record
        self._log.warning(
            "rejected envelope %s: %s (%s; %s %s signed by %s)",
            envelope.hash, NOT_AUTHORISED, rule, header.type, header.record, header.sender,
        )
        report.rejected.append(f"envelope {envelope.hash}: {NOT_AUTHORISED}")
        ours = tables.get(header.table, {}).get(header.record)
        report.refused.append(
            Refused(
                hash=envelope.hash,
                shard=header.shard,
                table=header.table,
                record_id=header.record,
                type=header.type,
                sender=header.sender,
                rule=rule,
                concerns=_whose(ours, record, conversation) - {header.sender},
            )
        )

    def _rejected(self, report: SyncReport, what: str, reason: str) -> None:
        self._log.warning("rejected %s: %s", what, reason)
        report.rejected.append(f"{what}: {reason}")

    # -- applying versions to a shard ------------------------------------------------------

    def _apply(self, shard: str, incoming: list[Incoming]) -> _Applied:
        """Takes record versions into one shard: at most one write per table, in the
        order conflicts, records, versions — so a crash in between is repaired by
        applying the same versions again. Caller holds ``self._state``."""
        tables = self.vault.read_shard(shard)
        seen: dict[str, dict[str, Any]] = tables.get(VERSIONS_TABLE, {})
        dag = _dag(seen)
        new: dict[str, dict[str, Any]] = {}
        records: dict[str, dict[str, Record]] = {}
        conflicts: dict[str, dict[str, Any]] = {}
        touched: dict[tuple[str, str], None] = {}
        result = _Applied()
        for table, theirs, links in incoming:
            version = theirs["version"]
            if version in seen or version in new:
                continue
            result.new_versions += 1
            ours = records.get(table, {}).get(theirs["id"]) or tables.get(table, {}).get(
                theirs["id"]
            )
            if ours is not None:
                ours = _as_known(ours, table, dag, new)
            dag[version] = _with_links(theirs, links)
            new[version] = _version_doc(table, theirs, local=False, links=links)
            chosen, conflict = self._choose(shard, table, ours, theirs, dag=dag, new=new)
            if chosen is not None:
                records.setdefault(table, {})[chosen["id"]] = chosen
            touched.setdefault((table, theirs["id"]), None)
            if conflict is not None:
                note, doc = conflict
                conflicts[doc["id"]] = doc
                result.conflicts.append(note)
        by_record: dict[Any, dict[str, Record]] = {}
        for version_id, version_record in dag.items():  # once per apply, not per record
            by_record.setdefault(version_record.get("id"), {})[version_id] = version_record
        for table, rid in touched:
            current = records.get(table, {}).get(rid) or tables.get(table, {}).get(rid)
            if current is not None:
                found = _clash_doc(shard, table, current, by_record.get(rid, {}),
                                   tables.get(CONFLICTS_TABLE, {}))
                if found is not None:
                    fresh, doc = found
                    conflicts[doc["id"]] = doc
                    if fresh is not None:
                        result.conflicts.append(fresh)
        if conflicts:
            self.vault.put_records(shard, CONFLICTS_TABLE, conflicts.values())
            if any(not doc.get("settled") for doc in conflicts.values()):
                listed = (self.vault.get_meta(CONFLICTS_KEY) or {}).get("shards", [])
                if shard not in listed:  # where the app looks for clashes to show
                    self.vault.put_meta(CONFLICTS_KEY, {"shards": sorted({*listed, shard})})
        for table, changed in records.items():
            self.vault.put_records(shard, table, changed.values())
        if new:
            self.vault.put_records(shard, VERSIONS_TABLE, new.values())
        result.changed = bool(records)
        return result

    def _choose(
        self,
        shard: str,
        table: str,
        ours: Record | None,
        theirs: Record,
        *,
        dag: dict[str, Record],
        new: dict[str, dict[str, Any]],
    ) -> tuple[Record | None, tuple[ConflictNote, dict[str, Any]] | None]:
        """The record the table should hold now (None: leave it), and any conflict."""
        if ours is None:
            return theirs, None
        our_version = str(ours["version"])
        if our_version == theirs["version"]:
            return None, None
        common = common_ancestor(dag, our_version, theirs["version"])
        if common == our_version:
            return theirs, None
        if common == theirs["version"]:
            return None, None
        low, high = sorted((ours, theirs), key=lambda r: str(r["version"]))
        low_v, high_v = str(low["version"]), str(high["version"])
        try:
            merged = _joined(self._merge(_base(dag, low, high), low, high), low, high, dag)
        except AgreementSigned:
            keep = max((ours, theirs), key=lambda r: (_depth(dag, r), str(r.get("version"))))
            note = ConflictNote(shard, table, theirs["id"], (low_v, high_v), (), "agreement")
            doc = _conflict_doc(note, [], low, high, merged=None)
            return (keep if keep is theirs else None), (note, doc)
        record = merged.record
        version = record["version"]
        if version not in dag:
            dag[version] = record
            new[version] = _version_doc(table, record, local=True)
        return (None if version == our_version else record), None

    def _maintenance_due(self) -> bool:
        """About once a day a sync also sweeps stale temp files from the folders where
        this device's writes were cut and lists this person's own inbox (for entries
        beyond an empty slot), and tries held versions again. Nothing in it grows with
        the organisation."""
        last = (self.vault.get_meta(MAINTAINED_KEY) or {}).get("at")
        return not (isinstance(last, int | float) and abs(self._clock() - last) < MAINTAIN_EVERY)


_LOCKS: dict[str, tuple[threading.RLock, threading.Lock]] = {}
_LOCKS_GUARD = threading.Lock()


def _locks_of(vault: Vault) -> tuple[threading.RLock, threading.Lock]:
    """Per vault: one lock around this module's read-modify-writes of it (outbox,
    shards), one that lets a single sync run at a time."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(vault.id, (threading.RLock(), threading.Lock()))


class _Intake:
    """What a pull has read: accepted envelopes not applied yet, how far each device's
    journal was read (``read``) against what the vault's cursors say (``saved``), the
    last hint read, and the journals to look at again whatever the hints say
    (``waiting``: their sender is not in the directory yet)."""

    def __init__(self, saved: dict[str, int], heads: int | None) -> None:
        self.read = dict(saved)
        self.heads = heads
        self.waiting: set[str] = set()
        self.format: int | None = None  # the share format this vault has synced in
        self.inboxes: dict[str, int] = {}  # inbox -> last entry read
        self.later: set[int] = set()  # entries whose sender is not in the directory yet
        self.saved_state: dict[str, Any] | None = None
        self.batch: list[Opened] = []
        # envelope hash -> (signer, shard), waiting for their conversation
        self.held: dict[str, tuple[str, str]] = {}
        self.held_saved: dict[str, tuple[str, str]] = {}
        self.conversations_came: set[str] = set()  # shards whose conversation came now
        self.refused: set[str] | None = None  # envelopes reported as not authorised before
        self.refused_new: set[str] = set()

    def read_up_to(self, device: str) -> int:
        return self.read.get(device, FIRST_SEQ - 1)

    def state(self) -> dict[str, Any]:
        return {"devices": dict(self.read), "heads": self.heads,
                "waiting": sorted(self.waiting), "holding": bool(self.held),
                "format": self.format, "inboxes": dict(self.inboxes),
                "later": sorted(self.later)}


def _conversation_in(tables: Mapping[str, Mapping[str, Record]], shard: str) -> Record | None:
    """The shard's conversation record (its id is the shard id), wherever it is kept."""
    for table in tables.values():
        record = table.get(shard)
        if record is not None and record.get("type") == "conversation":
            return dict(record)
    return None


def _before_refs(envelope: Opened) -> list[str]:
    """The versions an envelope's record says it follows: parents and links."""
    return [*envelope.header.parents, *envelope.header.links]


def _whose(ours: Record | None, theirs: Record, conversation: Record | None) -> frozenset[str]:
    """The people whose record a refused version touched: who wrote the copy held here,
    whom it claims as author, whom the record is about, and for a conversation everyone
    taking part."""
    people: set[str] = set()
    for record in (ours, theirs):
        for name in ("author", "person_id"):
            value = (record or {}).get(name)
            if isinstance(value, str) and value:
                people.add(value)
    if theirs.get("type") == "conversation" and conversation is not None:
        for name in ("leader_id", "delegate_leader_id", "companion_id"):
            value = conversation.get(name)
            if isinstance(value, str) and value:
                people.add(value)
        people.update(p for p in conversation.get("participant_ids", ()) if isinstance(p, str))
    return frozenset(people)


def _check_table(table: str) -> None:
    if not isinstance(table, str) or not _TABLE.fullmatch(table) or table in RESERVED_TABLES:
        raise ValueError(f"not a table the engine can publish from: {table!r}")


class Incoming(NamedTuple):
    """A record version on its way into a shard, with the links its envelope carries."""

    table: str
    record: Record
    links: tuple[str, ...] = ()


def _version_doc(
    table: str, record: Record, *, local: bool, links: Iterable[str] = ()
) -> dict[str, Any]:
    """A ``versions`` entry; ``local``: made here and not shared yet (a merge, or an
    autosaved version found in the table); ``links``: see ``_links_for``."""
    return {"id": record["version"], "table": table, "record": record, "local": local,
            "links": list(links)}


def _dag(docs: Mapping[str, dict[str, Any]]) -> dict[str, Record]:
    """Version id -> record, with each entry's links counted among its parents: the
    history ``common_ancestor`` and ``merge_base`` walk."""
    return {v: _with_links(doc["record"], doc.get("links", ())) for v, doc in docs.items()}


def _with_links(record: Record, links: Iterable[str]) -> Record:
    links = list(links)
    if not links:
        return record
    return {**record, "parents": [*record.get("parents", ()), *links]}


def _links_for(record: Mapping[str, Any], dag: Mapping[str, Record]) -> tuple[str, ...]:
    """The newest known versions of this record, when ``record`` descends from versions
    this vault never saw (autosaves between two publishes): that is where those began.
    Nothing when every parent is known."""
    if all(str(p) in dag for p in record.get("parents", ())):
        return ()
    mine = {v for v, r in dag.items() if r.get("id") == record.get("id") and v != record["version"]}
    behind = {str(p) for v in mine for p in dag[v].get("parents", ())}
    return tuple(sorted(mine - behind))


def _as_known(
    ours: Record, table: str, dag: dict[str, Record], new: dict[str, dict[str, Any]]
) -> Record:
    """The table's record, entered in the history when it is not there yet: an edit the
    app kept but never published, linked to where it began (see ``_links_for``)."""
    if not ours.get("version"):  # kept by the app without one: name it by its content
        ours = {**ours, "version": version_of(ours)}
    version = str(ours["version"])
    if version not in dag:
        links = _links_for(ours, dag)
        dag[version] = _with_links(ours, links)
        new[version] = _version_doc(table, ours, local=True, links=links)
    return ours


def _unshared_ancestors(versions: Mapping[str, dict[str, Any]], record: Record) -> list[Incoming]:
    """Versions made on this device that ``record`` descends from and that were never
    shared (merges, autosaves met by a pull), parents before children."""
    found: list[Incoming] = []
    done: set[str] = set()

    def visit(version: str) -> None:
        doc = versions.get(version)
        if version in done or doc is None or not doc.get("local"):
            return
        done.add(version)
        for parent in [*doc["record"].get("parents", ()), *doc.get("links", ())]:
            visit(str(parent))
        found.append(Incoming(doc["table"], doc["record"], tuple(doc.get("links", ()))))

    for parent in record.get("parents", ()):
        visit(str(parent))
    return found


def _joined(merged: Merge, low: Record, high: Record, dag: Mapping[str, Record]) -> Merge:
    """``merged`` as the version every device makes of ``low`` and ``high``: its
    parents are both sides — also where one side's content already holds everything
    (the same content, or one side equal to the base), since which values stand is read
    from the history (``conversations.clashes``) and the side not taken must stay in
    it — and every field holds a value still standing there. A signed agreement is
    taken as it is."""
    if any(r.get("type") == "agreement" and r.get("signatures") for r in (low, high)):
        return merged
    record = {k: v for k, v in merged.record.items() if k not in ("version", CHOSEN)}
    record["author"] = merged.record.get("author", low.get("author", ""))
    record["parents"] = sorted({str(low["version"]), str(high["version"])})
    record = aligned(dag, record, blank(low))
    record["version"] = version_of(record)
    return Merge(record, merged.conflicts, "merged")


def _base(dag: Mapping[str, Record], low: Record, high: Record) -> dict[str, Any] | None:
    """What two versions of one record are merged against: their nearest common
    ancestor, or — when two devices each started the record — its blank first version."""
    return merge_base(dag, str(low["version"]), str(high["version"]), blank=blank(low))


def _depth(dag: Mapping[str, Record], record: Record) -> int:
    """The longest chain of known versions behind ``record``: "newest" without a clock."""
    memo: dict[str, int] = {}

    def depth(version: str) -> int:
        if version in memo:
            return memo[version]
        memo[version] = 0  # guards against a (hostile) cycle
        parents = [str(p) for p in dag.get(version, {}).get("parents", ()) if str(p) in dag]
        memo[version] = 1 + max((depth(p) for p in parents), default=0)
        return memo[version]

    return depth(str(record.get("version")))


def _clash_doc(
    shard: str, table: str, record: Record, versions: Mapping[str, Record],
    docs: Mapping[str, dict[str, Any]],
) -> tuple[ConflictNote | None, dict[str, Any]] | None:
    """The ``conflicts`` entry for ``record`` as its history (``versions``: every known
    version of it) has it now (``conversations.clashes``): every clash open at its
    current version, each side with the version that wrote it. Returns the entry when it
    changed (with a note when a clash is new to the person), None when nothing changed.
    Worked out only where the history has more than one line: two first versions, or a
    merge."""
    rid = str(record["id"])
    doc_id = f"clashes:{table}:{rid}"
    earlier = docs.get(doc_id)
    starts = sum(1 for r in versions.values() if not r.get("parents"))
    meets = any(len(set(r.get("parents", ()))) > 1 for r in versions.values())
    if earlier is None and starts < 2 and not meets:
        return None
    found = clashes(versions, str(record["version"]), blank(record))
    fields = [{"field": c.field, "key": c.key, "base": _plain(ABSENT), "ours": _plain(c.values[0]),
               "theirs": _plain(other), "sides": dict(zip(c.writers, map(_plain, c.values),
                                                           strict=True))}
              for c in found for other in c.values[1:]]
    writers = sorted({w for c in found for w in c.writers})
    doc = {"id": doc_id, "record": rid, "table": table, "kind": "fields",
           "versions": writers, "merged": record["version"], "fields": fields,
           "records": {w: versions[w] for w in writers if w in versions},
           "settled": not fields}
    if (earlier is None and not fields) or (
            earlier is not None and _without_records(earlier) == _without_records(doc)):
        return None
    before = {(f["field"], f["key"], canonical_json(f["theirs"]))
              for f in (earlier or {}).get("fields", [])}
    fresh = [f for f in fields if (f["field"], f["key"], canonical_json(f["theirs"])) not in before]
    note = None
    if fresh:
        names = tuple(dict.fromkeys(
            f["field"] if f["key"] is None else f"{f['field']}.{f['key']}" for f in fresh))
        note = ConflictNote(shard, table, rid, tuple(writers), names, "fields")
    return note, doc


def _without_records(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("records", "merged")}


def _conflict_doc(
    note: ConflictNote, conflicts: Iterable[Any], low: Record, high: Record, *, merged: str | None
) -> dict[str, Any]:
    """A ``conflicts`` entry: both full versions, and what clashed in them."""
    return {
        "id": f"{note.record_id}:{note.versions[0]}:{note.versions[1]}",
        "record": note.record_id,
        "table": note.table,
        "kind": note.kind,
        "versions": list(note.versions),
        "merged": merged,
        "fields": [
            {"field": c.field, "key": c.key, "base": _plain(c.base), "ours": _plain(c.ours),
             "theirs": _plain(c.theirs)}
            for c in conflicts
        ],
        "records": {note.versions[0]: low, note.versions[1]: high},
    }


def _plain(value: Any) -> Any:
    """JSON for a conflict's value; "absent"/"disputed" markers as ``{"no_value": ...}``."""
    if isinstance(value, enum.Enum):
        return {"no_value": value.value}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


