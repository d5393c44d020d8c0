"""Clashes read from a record's history: the same on every device that holds the same
versions, whatever order it merged them in; a value stays in view until someone who saw
it writes over it."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.clashes import aligned, clashes
from conversations.merge import ABSENT, Conflict, merge, merge_base, resolve, version_of

BLANK = {"id": "r", "type": "preparation", "answers": {}, "shared_with_leader": False}


def version(parent: dict[str, Any] | None, **answers: str) -> dict[str, Any]:
    base = dict(parent or BLANK)
    record = {**base, "answers": {**base["answers"], **answers}, "author": "anna",
              "parents": [parent["version"]] if parent else []}
    record.pop("version", None)
    record["version"] = version_of(record)
    return record


def joined(dag: dict[str, dict[str, Any]], a: dict[str, Any], b: dict[str, Any]
           ) -> dict[str, Any]:
    """What the sync engine makes of two versions: merged, both parents, aligned."""
    low, high = sorted((a, b), key=lambda r: r["version"])
    made = merge(merge_base(dag, low["version"], high["version"], blank=BLANK), low, high)
    record = {k: v for k, v in made.record.items() if k != "version"}
    record["parents"] = sorted({low["version"], high["version"]})
    record = aligned(dag, record, BLANK)
    record["version"] = version_of(record)
    dag[record["version"]] = record
    return record


def shown(dag: dict[str, dict[str, Any]], head: dict[str, Any]) -> dict[str, set[Any]]:
    values = {k: {v} for k, v in head["answers"].items()}
    for clash in clashes(dag, head["version"], BLANK):
        values.setdefault(clash.key or "", set()).update(
            v for v in clash.values if v is not ABSENT)
    return values


def test_two_first_versions_clash_only_where_both_wrote_something_different() -> None:
    tablet, office = version(None, q1="tablet", q2="same"), version(None, q1="office", q2="same",
                                                                     q3="only here")
    dag = {r["version"]: r for r in (tablet, office)}
    head = joined(dag, tablet, office)
    [clash] = clashes(dag, head["version"], BLANK)
    assert (clash.field, clash.key) == ("answers", "q1")
    assert set(clash.values) == {"tablet", "office"}
    assert clash.values[0] == head["answers"]["q1"]  # what the field shows comes first
    assert head["answers"]["q3"] == "only here"


def test_a_value_written_over_by_someone_who_saw_it_leaves_the_clash() -> None:
    start = version(None, q1="start")
    a, b = version(start, q1="a"), version(start, q1="b")
    dag = {r["version"]: r for r in (start, a, b)}
    head = joined(dag, a, b)
    assert len(clashes(dag, head["version"], BLANK)) == 1
    typed = version(head, q1="c")  # written where both were shown
    dag[typed["version"]] = typed
    assert clashes(dag, typed["version"], BLANK) == []


def test_settling_with_the_value_already_shown_closes_the_clash_everywhere() -> None:
    start = version(None, q1="start")
    a, b = version(start, q1="a"), version(start, q1="b")
    dag = {r["version"]: r for r in (start, a, b)}
    head = joined(dag, a, b)
    shown_value = head["answers"]["q1"]
    other = "b" if shown_value == "a" else "a"
    settled = resolve(head, Conflict("answers", "q1", ABSENT, shown_value, other), "ours")
    assert settled["answers"] == head["answers"]  # the value did not change ...
    dag[settled["version"]] = settled
    assert clashes(dag, settled["version"], BLANK) == []  # ... and the clash is closed
    late = version(b, q2="more from b's line")  # a version that never saw the settling
    dag[late["version"]] = late
    assert clashes(dag, joined(dag, settled, late)["version"], BLANK) == []


def test_a_merge_keeps_no_value_another_line_already_wrote_over() -> None:
    """Two nearest common versions make a disputed base; the merge must still show what
    stands, not an answer written over on one line."""
    demo = version(None, q1="demo")
    office = version(None)
    office = {**office, "shared_with_leader": True}
    office["version"] = version_of({k: v for k, v in office.items() if k != "version"})
    tablet = version(demo, q1="tablet")
    dag = {r["version"]: r for r in (demo, office, tablet)}
    first = joined(dag, office, demo)
    second = joined(dag, office, tablet)
    head = joined(dag, first, second)
    assert head["answers"]["q1"] == "tablet"
    assert clashes(dag, head["version"], BLANK) == []


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from("xyz")),
                      min_size=1, max_size=12),
       orders=st.lists(st.randoms(use_true_random=False), min_size=2, max_size=3))
def test_devices_that_merge_the_same_versions_in_any_order_show_the_same_values(
    steps: list[tuple[int, int, str]], orders: list[random.Random]
) -> None:
    """Three lines of edits (each seeing only its own), merged on each device in an
    order of its own: every device shows the same values, and every line's last value
    of each answer is among them."""
    heads: list[dict[str, Any] | None] = [None, None, None]
    dag: dict[str, dict[str, Any]] = {}
    last: dict[tuple[int, str], str] = {}
    for n, (line, question, letter) in enumerate(steps):
        record = version(heads[line], **{f"q{question}": f"{letter}{n}"})
        dag[record["version"]] = record
        heads[line] = record
        last[(line, f"q{question}")] = f"{letter}{n}"
    lines = [h for h in heads if h is not None]
    seen = []
    for order in orders:
        device = dict(dag)
        shuffled = lines[:]
        order.shuffle(shuffled)
        head = shuffled[0]
        for other in shuffled[1:]:
            head = joined(device, head, other)
        values = shown(device, head)
        assert all(v in values.get(q, set()) for (_, q), v in last.items())
        seen.append({q: sorted(v) for q, v in values.items()})
    assert all(s == seen[0] for s in seen)
