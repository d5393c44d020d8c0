"""PDF benchmark: the development agreement as a PDF, one at a time and in bulk.

One agreement = :func:`documents.pdf.agreement_document` for a realistic MUS
agreement (5 goals of ~250 characters, both parties signed, Danish), timed end to end
(fonts embedded and subset, bytes out), median over many runs after a warm-up. Bulk =
500 different agreements rendered by a pool of 2 worker processes, timed from starting
the pool (so the workers' import of fpdf counts) to the last PDF. A reference from the
same run: a one-line PDF with the same two fonts embedded, the floor every document pays.

Budgets (from the issue): agreement PDF median <= 250 ms; 500 agreements <= 60 s on 2
cores. ``--quick``: 10 runs and 100 agreements with the bulk budget scaled to 12 s.

Run: ``python main.py bench pdf [--quick]``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable

from conversations.model import (
    Agreement,
    Conversation,
    Goal,
    GoalStatus,
    Kind,
    PracticeField,
    Signature,
    State,
)
from documents.pdf import agreement_document, floor_document

BUDGET_MEDIAN_MS = 250.0
BUDGET_BULK_S = 60.0
FULL_BULK = 500
FULL_RUNS = 30
QUICK_BULK = 100
QUICK_RUNS = 10
WORKERS = 2

THEMES = ("results", "collaboration", "development")
FIELDS = tuple(PracticeField)
STATUSES = tuple(GoalStatus)
GOAL_TEXTS = (
    "Tage kurset i rehabilitering og bagefter vise kollegerne i teamet, hvordan "
    "borgerens egne mål kan styre træningen – “hverdagsrehabilitering” i praksis.",
    "Få fast sparring med en erfaren ergoterapeut hver anden uge om vurdering af "
    "hjælpemidler, forflytning og den gode overlevering til aftenvagten.",
    "Prøve et jobbytte på to uger i visitationen for at forstå, hvordan afgørelserne "
    "bliver til, og dele erfaringerne på et personalemøde bagefter.",
    "Være mentor for en ny social- og sundhedsassistent i de første tre måneder, med "
    "en halv time om ugen til spørgsmål, feedback og fælles besøg hos borgerne.",
    "Bruge de digitale redskaber i dokumentationen sikkert: tjekliste, skabeloner og "
    "en kort opfølgning med teamlederen efter en måned • også om tidsforbruget.",
)


def sample(number: int) -> tuple[Conversation, Agreement, dict[str, str], dict[str, bool],
                                 dict[str, str]]:
    """Agreement ``number`` of the bench: two parties, 5 goals, both signed."""
    employee, leader = f"e{number:05d}" + "0" * 26, f"l{number % 40:05d}" + "0" * 26
    planned = dt.datetime(2026, 1, 5, 9) + dt.timedelta(days=number % 300, hours=number % 6)  # noqa: DTZ001
    conversation = Conversation(
        kind=Kind.MUS, sheet_id="mus", sheet_version=1, leader_id=leader,
        participant_ids=(employee,), planned_at=planned, state=State.AGREED,
        follow_up_due=planned.date() + dt.timedelta(days=182), author=leader,
    )
    goals = tuple(
        Goal(
            id=f"g{number}-{i}",
            theme_id=THEMES[i % len(THEMES)],
            what=f"{GOAL_TEXTS[(number + i) % len(GOAL_TEXTS)]} (mål {number}.{i + 1})",
            practice_field=FIELDS[(number + i) % len(FIELDS)],
            responsible_id=(employee, leader)[i % 2],
            deadline=planned.date() + dt.timedelta(days=60 + 30 * i),
            status=STATUSES[(number + i) % len(STATUSES)],
        )
        for i in range(5)
    )
    signed_at = dt.datetime.combine(planned.date(), dt.time(11, 0), dt.UTC)
    signatures = tuple(
        Signature(signer_id=person, signed_at=signed_at + dt.timedelta(minutes=m),
                  content_hash="c" * 64, public_key="k" * 44, signature="s" * 88)
        for m, person in enumerate((employee, leader))
    )
    agreement = Agreement(conversation_id=conversation.id, goals=goals, signatures=signatures,
                          author=leader)
    names = {employee: f"Medarbejder Nr. {number} Sørensen", leader: "Mette Holm-Ærø"}
    fingerprints = {employee: f"{number:04x} 9c01 77de 0b45", leader: "3f2a 9c01 77de 0b45"}
    return conversation, agreement, names, {employee: True, leader: True}, fingerprints


def render(number: int) -> int:
    """Builds and renders agreement ``number``; the PDF's size in bytes."""
    conversation, agreement, names, ok, prints = sample(number)
    return len(agreement_document(conversation, agreement, names, ok, prints, "da"))


def reference_pdf() -> int:
    """The floor: one line of text with the same two fonts embedded."""
    return len(floor_document())


def _timed(function: Callable[..., object], runs: int, *args: object) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function(*args)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def bulk(count: int, workers: int) -> tuple[float, int]:
    """Seconds to render ``count`` agreements with ``workers`` fresh processes, and the
    total bytes."""
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        total = sum(pool.map(render, range(count), chunksize=max(1, count // (workers * 8))))
    return time.perf_counter() - started, total


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _row(label: str, value: str, budget: str, verdict: str) -> str:
    return f"{label:<38} | {value:>10} | {budget:>24} | {verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py bench pdf",
                                     description="Times the agreement PDF.")
    parser.add_argument("--quick", action="store_true", help="10 runs, 100 agreements")
    parser.add_argument("--runs", type=int, help="timed single renders (default 30; quick 10)")
    parser.add_argument("--count", type=int, help="agreements in bulk (default 500; quick 100)")
    args = parser.parse_args(argv or [])
    runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS)
    count = args.count or (QUICK_BULK if args.quick else FULL_BULK)
    bulk_budget = BUDGET_BULK_S * count / FULL_BULK

    started = time.perf_counter()
    first_size = render(0)  # warm-up: imports fpdf and babel, reads the fonts
    first_ms = (time.perf_counter() - started) * 1000
    singles = _timed(render, runs, 1)
    reference = _timed(reference_pdf, runs)
    median = statistics.median(singles)
    floor = statistics.median(reference)
    seconds, total = bulk(count, WORKERS)
    rate = count / seconds

    single_ok = median <= BUDGET_MEDIAN_MS
    bulk_ok = seconds <= bulk_budget
    print(f"bench pdf: development agreement (5 goals, 2 signatures), {cores()} cores available")
    print(_row("measure", "value", "budget", "ok?"))
    print(_row("-" * 38, "-" * 10, "-" * 24, "---"))
    print(_row("first agreement (fpdf import, fonts)", f"{first_ms:.0f} ms", "", "-"))
    print(_row(f"agreement PDF, median of {runs}", f"{median:.1f} ms",
               f"<= {BUDGET_MEDIAN_MS:.0f} ms", "PASS" if single_ok else "FAIL"))
    print(_row("agreement PDF, slowest", f"{max(singles):.1f} ms", "", "-"))
    print(_row("reference: one line, same fonts", f"{floor:.1f} ms", "", "-"))
    scaled = "" if count == FULL_BULK else f" (60 s x {count}/{FULL_BULK})"
    print(_row(f"{count:,} agreements, {WORKERS} processes", f"{seconds:.1f} s",
               f"<= {bulk_budget:.0f} s{scaled}", "PASS" if bulk_ok else "FAIL"))
    print(f"agreement = reference + {median - floor:.1f} ms ({median / floor:.2f}x the floor); "
          f"bulk {rate:.1f} PDFs/s, {total / count / 1024:.0f} KB each "
          f"(first {first_size / 1024:.0f} KB)")
    passed = single_ok and bulk_ok
    print(f"bench pdf: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1
