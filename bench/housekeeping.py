"""``python main.py bench housekeeping [--quick]``: what HR's maintenance run costs.

A local-folder share with 10,000 envelopes (``--quick``: 2,000) from 100 people, one
device each: conversations with a preparation and minutes in two versions each (the
first superseded by the second, by the same sender), a third of the conversations pushed
long ago and past their deadline, and five people who asked to be erased (their
preparations emptied by a third version, and their erasure request). Envelopes, journal
segments and hints are made by the real ``sync.envelope`` and ``sync.journal`` code and
written without fsync (set-up, not timed).

Timed, one after the other on the same share (``sync.housekeeping.maintain``):

1. the first run (no marks yet): removes what is past its deadline and the erased
   people's versions that held content;
2. a run the fetch window later, with the first run's marks: removes the superseded
   versions and the erased people's emptied ones;
3. a run with nothing left to remove: the steady cost of looking.

Reference, same run: reading every file on the share once (``os.walk`` + read), the
floor of any walk over it. Budget: a run with nothing to remove ≤ 10× that read (it also
checks every journal segment's signature and every envelope's header).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conversations.directory import Directory, Member
from conversations.merge import version_of
from conversations.model import Role
from conversations.retention import share_keep_until
from storage.sealing import Identity, new_identity
from sync.envelope import object_path, seal_envelope
from sync.folder import FolderShare
from sync.housekeeping import FETCH_WINDOW_DAYS, MaintenanceReport, maintain
from sync.journal import head_path, make_head, make_segment, segment_path

BUDGET_RATIO = 10.0
FULL_OBJECTS = 10_000
QUICK_OBJECTS = 2_000
PEOPLE = 100
ERASED = 5
PUSHED = dt.date(2030, 1, 15)
LONG_AGO = dt.date(2023, 1, 10)
RUN_DAY = dt.date(2030, 2, 1)
PER_CONVERSATION = 4  # preparation and minutes, two versions each


@dataclass
class Writer:
    person: str
    device: str
    identity: Identity
    objects: list[str] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py bench housekeeping",
                                     description="Times HR's maintenance run over a share.")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_OBJECTS:,} envelopes instead of {FULL_OBJECTS:,}")
    args = parser.parse_args(argv or [])
    size = QUICK_OBJECTS if args.quick else FULL_OBJECTS
    with tempfile.TemporaryDirectory(prefix="bench-housekeeping-") as tmp:
        root = Path(tmp) / "share"
        started = time.perf_counter()
        directory, hr = _build(root, size)
        setup_s = time.perf_counter() - started
        files, share_bytes, read_s = _read_all(root)
        share = FolderShare(root)
        first = _run(share, directory, hr, RUN_DAY, [])
        later = RUN_DAY + dt.timedelta(days=FETCH_WINDOW_DAYS)
        second = _run(share, directory, hr, later, first.marks)
        idle = [_run(share, directory, hr, later, second.marks) for _ in range(3)]
        shutil.rmtree(root, ignore_errors=True)
    idle_s = statistics.median(r.seconds for r in idle)
    typical = sorted(idle, key=lambda r: r.seconds)[len(idle) // 2]
    ok = idle_s <= BUDGET_RATIO * read_s
    print(f"bench housekeeping: {size:,} envelopes from {PEOPLE} people, {files:,} files "
          f"({share_bytes / 1e6:.1f} MB) on a folder share (set-up {setup_s:.1f} s, not timed)")
    print(_row("run", "removed", "freed", "time", "objects looked at"))
    print(_row("-" * 36, "-" * 36, "-" * 10, "-" * 9, "-" * 17))
    for label, report in (("first run", first), (f"{FETCH_WINDOW_DAYS} days later", second),
                          ("nothing left to remove (p50)", typical)):
        reasons = ", ".join(f"{k} {v:,}" for k, v in report.removed.items() if v) or "none"
        print(_row(label, f"{report.removed_total:,}: {reasons}",
                   f"{report.freed_total / 1e6:.2f} MB", f"{report.seconds * 1000:.0f} ms",
                   f"{report.objects:,}"))
    print(_row("reading every file once (reference)", "", "", f"{read_s * 1000:.0f} ms", ""))
    print(f"tombstones written: {first.tombstones + second.tombstones:,} "
          f"({(first.tombstone_bytes + second.tombstone_bytes) / 1e3:.0f} kB); "
          f"idle run = {idle_s / read_s:.1f}x the plain read (budget <= {BUDGET_RATIO:.0f}x)")
    print(f"bench housekeeping: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def _run(share: FolderShare, directory: Directory, hr: Writer, today: dt.date,
         marks: Any) -> MaintenanceReport:
    erased = [f"p{n:03d}" for n in range(ERASED)]
    return maintain(share, directory, hr_id=hr.person, identity=hr.identity, today=today,
                    erased=erased, marks=marks)


def _build(root: Path, size: int) -> tuple[Directory, Writer]:
    """The share described in the module docstring; the directory and HR."""
    writers = [Writer(f"p{n:03d}", secrets.token_hex(16), new_identity())
               for n in range(PEOPLE)]
    hr = writers[-1]
    leader = writers[-2]
    members = {
        w.person: Member(id=w.person, name=w.person,
                         roles=frozenset({Role.HR} if w is hr else
                                         {Role.LEADER} if w is leader else {Role.EMPLOYEE}),
                         enc_key=w.identity.public().enc, sign_key=w.identity.public().sign,
                         devices=(w.device,))
        for w in writers
    }
    directory = Directory(1, members)
    conversations = size // PER_CONVERSATION
    for n in range(conversations):
        author = writers[n % (PEOPLE - 2)]
        old = n % 3 == 0
        pushed = LONG_AGO if old else PUSHED
        conversation = {"type": "conversation", "state": "held",
                        "planned_at": f"{pushed.isoformat()}T09:00:00"}
        keep = share_keep_until(conversation, pushed)
        shard = secrets.token_hex(16)
        recipients = {w.person: w.identity.public().enc for w in (author, leader)}
        for kind, writer in (("preparation", author), ("minutes", leader)):
            first = _record(kind, writer.person, shard, {"q1": "x" * 800}, [])
            second = _record(kind, writer.person, shard, {"q1": "y" * 900}, [first["version"]])
            versions = [first, second]
            if kind == "preparation" and int(author.person[1:]) < ERASED:
                versions.append(_record(kind, writer.person, shard, {}, [second["version"]]))
            for record in versions:
                _push(root, writer, record, shard, recipients=recipients, keep=keep)
    for person in writers[:ERASED]:
        request = _record("erasure_request", person.person, "e0" + "0" * 30, {}, [])
        _push(root, person, request, "e0" + "0" * 30,
              recipients={w.person: w.identity.public().enc for w in (person, hr)}, keep=None)
    _journals(root, writers)
    return directory, hr


def _record(kind: str, author: str, shard: str, answers: dict[str, str],
            parents: list[str]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": f"{kind}-{shard}", "type": kind, "author": author,
                              "conversation_id": shard, "answers": answers,
                              "parents": parents}
    record["version"] = version_of(record)
    return record


def _push(root: Path, writer: Writer, record: dict[str, Any], shard: str, *,
          recipients: dict[str, str], keep: str | None) -> None:
    digest, blob = seal_envelope(record, shard=shard, table=str(record["type"]),
                                 sender=writer.person, device=writer.device,
                                 identity=writer.identity, recipients=recipients,
                                 keep_until=keep)
    _write(root / object_path(digest), blob)
    writer.objects.append(digest)


def _journals(root: Path, writers: list[Writer]) -> None:
    head = 0
    for writer in writers:
        previous: list[str] = []
        for seq, start in enumerate(range(0, len(writer.objects), 500), start=1):
            chunk = writer.objects[start:start + 500]
            _write(root / segment_path(writer.device, seq),
                   make_segment(writer.identity, sender=writer.person, device=writer.device,
                                seq=seq, objects=chunk, previous=previous))
            head += 1
            _write(root / head_path(head), make_head(writer.device, seq))
            previous = chunk


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _read_all(root: Path) -> tuple[int, int, float]:
    started = time.perf_counter()
    files = size = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            size += len(Path(folder, name).read_bytes())
            files += 1
    return files, size, time.perf_counter() - started


def _row(*cells: str) -> str:
    widths = (36, 36, 10, 9, 17)
    return " | ".join(f"{c:<{w}}" if i < 2 else f"{c:>{w}}"
                      for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


if __name__ == "__main__":
    raise SystemExit(main(__import__("sys").argv[1:]))
