"""Which values of a record are still in view: the clashes a person must settle, read
from the record's history alone.

Every device keeps every version of a record it has seen, each naming its parents (a
small DAG, see ``conversations.merge``). Per field — and for a mapping field such as
``answers``, ``ratings`` or ``notes`` per key in it, as merges go — a version *writes*
a value where

- it holds a value none of the values still standing before it holds (a person typed
  it), or, with one parent, a value its parent does not hold; or
- its ``chosen`` note names the field (a person settled a clash there, perhaps keeping
  the value the record already showed).

A merge only ever keeps one of the values standing before it, so it writes nothing. What
stands at a version are the writes in its history that no later write in that history
replaced — a multi-value register. A first version starts from the record's blank (every
field at its default) when its id is one every device derives alike, so two devices'
first versions clash only where both wrote something different.

Where more than one value stands at the record's current version, the person sees all
of them. This depends only on which versions the current one descends from — not on the
order they arrived in, nor on which device merged what — so every device that holds the
same versions shows the same clashes, and a value a device saved stays in view until a
person who saw it writes over it.

Must not touch: files, the clock, the vault, the share, Flet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conversations.merge import ABSENT, CHOSEN, IDENTITY
from conversations.records import canonical_json

Record = Mapping[str, Any]
Path = tuple[str, str | None]
ROOT = ""
"""The writer of what a blank record holds: every version descends from it."""
_ABSENT = b""  # never the canonical JSON of a value


@dataclass(frozen=True)
class Clash:
    """Values standing side by side in ``field`` (``key`` inside it): the record's own
    first, then the others by the version that wrote them. :data:`ABSENT` where a side
    removed the value."""

    field: str
    key: str | None
    values: tuple[Any, ...]
    writers: tuple[str, ...]


def clashes(versions: Mapping[str, Record], head: str, blank: Record | None) -> list[Clash]:
    """The clashes open at version ``head`` of a record, given every known version of
    it (version id -> record, links counted among parents) and its blank (None for a
    record whose first version is its own)."""
    standing, kept, _ = _standing(versions, [head], blank)
    if head not in standing:
        return []
    own = _paths(versions[head])
    found = []
    for path, writers in sorted(standing[head].items(), key=lambda item: _order(item[0])):
        if len(set(writers.values())) < 2:
            continue
        current = _canonical(own.get(path, ABSENT))
        ranked = sorted(writers.items(), key=lambda item: (item[1] != current, item[0]))
        seen: dict[bytes, str] = {}
        for writer, value in ranked:
            seen.setdefault(value, writer)
        found.append(Clash(path[0], path[1], tuple(kept[v] for v in seen),
                           tuple(seen.values())))
    return found


def aligned(versions: Mapping[str, Record], merged: Record,
            blank: Record | None) -> dict[str, Any]:
    """``merged`` — a merge of its parents, not yet among ``versions`` — with every
    field holding one of the values standing where its parents meet: a three-way merge
    against a disputed base may keep a value another line already wrote over, and a
    merge must not write. Where several stand, the one whose version id is highest, so
    every device makes the same merge. The version id is left to the caller."""
    parents = [p for p in dict.fromkeys(str(p) for p in merged.get("parents", ()))
               if p in versions]
    standing, kept, below = _standing(versions, parents, blank)
    before = _joined([standing[p] for p in parents], below) if parents else {}
    result = {k: v for k, v in merged.items()}
    paths = _paths(merged)
    for path, stand in before.items():
        if _canonical(paths.get(path, ABSENT)) in stand.values():
            continue
        _put(result, path, kept[stand[max(stand)]])
    return result


def _put(record: dict[str, Any], path: Path, value: Any) -> None:
    name, key = path
    if key is None:
        if value is ABSENT:
            record.pop(name, None)
        else:
            record[name] = value
        return
    inner = dict(record.get(name) or {})
    if value is ABSENT:
        inner.pop(key, None)
    else:
        inner[key] = value
    record[name] = inner


def _standing(
    versions: Mapping[str, Record], heads: list[str], blank: Record | None
) -> tuple[dict[str, dict[Path, dict[str, bytes]]], dict[bytes, Any],
           dict[str, frozenset[str]]]:
    """Per version from the roots to ``heads``: per path, writer -> value (canonical);
    every canonical value back as the value; and each version's history."""
    kept: dict[bytes, Any] = {_ABSENT: ABSENT}
    start = {path: _canonical(value, kept) for path, value in _paths(blank or {}).items()}
    below: dict[str, frozenset[str]] = {}
    standing: dict[str, dict[Path, dict[str, bytes]]] = {}
    nothing = {ROOT: _ABSENT}
    for version in _history(versions, heads):
        record = versions[version]
        parents = [p for p in dict.fromkeys(str(p) for p in record.get("parents", ()))
                   if p in standing]
        below[version] = frozenset({version}).union(*(below[p] for p in parents))
        mine = {path: _canonical(value, kept) for path, value in _paths(record).items()}
        chosen = _chosen(record)
        if parents:
            before = _joined([standing[p] for p in parents], below)
        else:
            before = {path: {ROOT: value} for path, value in start.items()}
        parent = _paths(versions[parents[0]]) if len(parents) == 1 else None
        here: dict[Path, dict[str, bytes]] = {}
        for path in mine.keys() | before.keys():
            value = mine.get(path, _ABSENT)
            stand = before.get(path, nothing)
            moved = parent is not None and value != _canonical(parent.get(path, ABSENT))
            if path in chosen or moved or value not in stand.values():
                here[path] = {version: value}
            elif value != _ABSENT or stand is not nothing:
                here[path] = stand
        standing[version] = here
    return standing, kept, below


def _joined(
    sides: list[dict[Path, dict[str, bytes]]], below: Mapping[str, frozenset[str]]
) -> dict[Path, dict[str, bytes]]:
    """What stands after several lines meet: each line's values, less those another
    line wrote over (a writer in that line's history, no longer standing there)."""
    if len(sides) == 1:
        return sides[0]
    joined: dict[Path, dict[str, bytes]] = {}
    for path in set().union(*sides):
        writers: dict[str, bytes] = {}
        for side in sides:
            writers.update(side.get(path, {}))
        if len(writers) > 1:
            writers = {w: v for w, v in writers.items()
                       if not any(w != other and (w == ROOT or w in below[other])
                                  for other in writers if other != ROOT)}
        joined[path] = writers
    return joined


def _history(versions: Mapping[str, Record], heads: list[str]) -> list[str]:
    """``heads`` and every known version they descend from, parents before children."""
    order: list[str] = []
    done: set[str] = set()
    stack: list[tuple[str, bool]] = [(head, False) for head in reversed(heads)]
    while stack:
        version, expanded = stack.pop()
        if expanded:
            order.append(version)
            continue
        if version in done or version not in versions:
            continue
        done.add(version)
        stack.append((version, True))
        for parent in versions[version].get("parents", ()):
            if str(parent) not in done:
                stack.append((str(parent), False))
    return order


def _paths(record: Record) -> dict[Path, Any]:
    """A record's values by path: a field, or a key one level inside a mapping field."""
    paths: dict[Path, Any] = {}
    for name, value in record.items():
        if name in IDENTITY:
            continue
        if isinstance(value, Mapping):
            paths.update({(name, str(key)): inner for key, inner in value.items()})
        else:
            paths[(name, None)] = value
    return paths


def _chosen(record: Record) -> set[Path]:
    chosen = record.get(CHOSEN)
    if not isinstance(chosen, list):
        return set()
    return {(str(item[0]), None if item[1] is None else str(item[1])) for item in chosen
            if isinstance(item, list | tuple) and len(item) == 2}


def _canonical(value: Any, kept: dict[bytes, Any] | None = None) -> bytes:
    if value is ABSENT:
        return _ABSENT
    raw = canonical_json(value)
    if kept is not None:
        kept.setdefault(raw, value)
    return raw


def _order(path: Path) -> tuple[str, str]:
    return path[0], path[1] or ""
