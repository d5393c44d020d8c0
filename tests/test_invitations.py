"""Calendar files (RFC 5545) and the invitation mail."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.model import Conversation, Kind, follow_up_date
from documents.calendar import (
    escape_text,
    fold_line,
    follow_up_ics,
    invitation_ics,
    invitation_subject,
    invitation_text,
)

EMPLOYEE, LEADER, TR = "e" * 32, "l" * 32, "t" * 32
NAMES = {EMPLOYEE: "Anna Sørensen, ergoterapeut; hold Nord", LEADER: "Mette Holm",
         TR: "Jonas Nielsen"}
NOW = dt.datetime(2026, 2, 1, 8, 30, tzinfo=dt.UTC)
SHEET = "MUS – medarbejderudviklingssamtale, version 1; Syddjurs \\ test"


def conversation(kind: Kind = Kind.MUS, **changes: object) -> Conversation:
    fields: dict[str, object] = {
        "kind": kind, "sheet_id": "mus", "sheet_version": 1, "leader_id": LEADER,
        "participant_ids": (EMPLOYEE,), "planned_at": dt.datetime(2026, 3, 10, 10, 0),
        "companion_id": TR, "id": "c0ffee" + "0" * 26,
    }
    fields.update(changes)
    return Conversation(**fields)  # type: ignore[arg-type]


def unfold(data: bytes) -> list[str]:
    """The content lines of an iCalendar file: the tiny parser the tests need."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    lines: list[str] = []
    for physical in text.split("\r\n")[:-1]:
        if physical.startswith((" ", "\t")):
            lines[-1] += physical[1:]
        else:
            lines.append(physical)
    return lines


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def parse(data: bytes) -> list[dict[str, tuple[dict[str, str], str]]]:
    """Each VEVENT as ``name: (params, value)``."""
    events: list[dict[str, tuple[dict[str, str], str]]] = []
    current: dict[str, tuple[dict[str, str], str]] | None = None
    stack: list[str] = []
    for line in unfold(data):
        head, _, value = line.partition(":")
        name, *raw_params = head.split(";")
        params = dict(p.split("=", 1) for p in raw_params)
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                current = {}
        elif name == "END":
            assert stack.pop() == value
            if value == "VEVENT":
                assert current is not None
                events.append(current)
                current = None
        elif current is not None:
            current[name] = (params, value)
    assert not stack
    return events


def check_wire_format(data: bytes) -> None:
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    for physical in data.split(b"\r\n")[:-1]:
        assert len(physical) <= 75, physical
        physical.decode("utf-8")  # folding never splits a character


def test_invitation_is_valid_rfc5545_with_time_zone_and_escaped_text() -> None:
    data = invitation_ics(conversation(), NAMES, SHEET, "mette.holm@kommune.dk", now=NOW)
    check_wire_format(data)
    lines = unfold(data)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Copenhagen" in lines
    [event] = parse(data)
    assert event["DTSTART"] == ({"TZID": "Europe/Copenhagen"}, "20260310T100000")
    assert event["DTEND"] == ({"TZID": "Europe/Copenhagen"}, "20260310T110000")
    assert event["DTSTAMP"] == ({}, "20260201T083000Z")
    assert event["ORGANIZER"] == ({"CN": '"Mette Holm"'}, "mailto:mette.holm@kommune.dk")
    summary = unescape(event["SUMMARY"][1])
    assert summary.startswith("MUS – medarbejderudviklingssamtale: ")
    assert "Anna Sørensen, ergoterapeut; hold Nord" in summary and "Jonas Nielsen" in summary
    assert "\\," in event["SUMMARY"][1] and "\\;" in event["SUMMARY"][1]
    description = unescape(event["DESCRIPTION"][1])
    assert SHEET in description and "\n" in description
    assert "\\n" in event["DESCRIPTION"][1] and "\\\\" in event["DESCRIPTION"][1]
    assert event["CLASS"][1] == "CONFIDENTIAL"


def test_uid_is_stable_per_conversation_and_differs_between_files_and_conversations() -> None:
    first = parse(invitation_ics(conversation(), NAMES, SHEET, now=NOW))[0]["UID"]
    moved = conversation(planned_at=dt.datetime(2026, 4, 1, 13, 0))
    again = parse(invitation_ics(moved, NAMES, SHEET, now=NOW))[0]["UID"]
    other = parse(invitation_ics(conversation(id="f" * 32), NAMES, SHEET, now=NOW))[0]["UID"]
    follow = parse(follow_up_ics(conversation(), dt.date(2026, 9, 10), NAMES, now=NOW))[0]["UID"]
    assert first == again and first not in (other, follow)
    assert first[1].startswith(conversation().id)


def test_a_time_with_a_zone_is_written_in_utc() -> None:
    aware = conversation(planned_at=dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC))
    data = invitation_ics(aware, NAMES, SHEET, duration_minutes=90, now=NOW)
    [event] = parse(data)
    assert event["DTSTART"] == ({}, "20260701T100000Z")
    assert event["DTEND"] == ({}, "20260701T113000Z")
    assert b"VTIMEZONE" not in data


def test_invitation_needs_a_time_and_a_real_address() -> None:
    with pytest.raises(ValueError):
        invitation_ics(conversation(planned_at=None), NAMES, SHEET, now=NOW)
    with pytest.raises(ValueError):
        invitation_ics(conversation(), NAMES, SHEET, "mette\r\nATTENDEE:x@y", now=NOW)


def test_follow_up_is_an_all_day_event_six_months_after_the_agreement() -> None:
    agreed = dt.date(2026, 8, 31)
    due = follow_up_date(agreed)
    assert due == dt.date(2027, 2, 28)
    data = follow_up_ics(conversation(), due, NAMES, now=NOW)
    check_wire_format(data)
    [event] = parse(data)
    assert event["DTSTART"] == ({"VALUE": "DATE"}, "20270228")
    assert event["DTEND"] == ({"VALUE": "DATE"}, "20270301")
    assert unescape(event["SUMMARY"][1]).startswith("Opfølgning på udviklingsaftale")
    timed = parse(follow_up_ics(conversation(), dt.datetime(2027, 3, 1, 9, 0), NAMES,
                          now=NOW))[0]
    assert timed["DTSTART"] == ({"TZID": "Europe/Copenhagen"}, "20270301T090000")


def test_the_files_carry_no_free_text_beyond_names_and_titles() -> None:
    data = invitation_ics(conversation(), NAMES, SHEET, now=NOW) + follow_up_ics(
        conversation(), dt.date(2026, 9, 10), NAMES, now=NOW)
    invitation, follow_up = parse(data)
    allowed = {"UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "DESCRIPTION",
               "CLASS", "STATUS", "TRANSP", "ORGANIZER"}
    assert set(invitation) <= allowed and set(follow_up) <= allowed
    everyone = f"{NAMES[EMPLOYEE]}, Mette Holm og Jonas Nielsen"
    assert unescape(invitation["DESCRIPTION"][1]) == (
        f"Deltagere: {everyone}\nSpørgsmålsark: {SHEET} (vedhæftet invitationen)")
    assert unescape(follow_up["DESCRIPTION"][1]) == (
        f"Opfølgning på udviklingsaftalen fra MUS – medarbejderudviklingssamtale.\n"
        f"Deltagere: {everyone}")


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300))
def test_folding_keeps_lines_short_and_round_trips(value: str) -> None:
    line = "DESCRIPTION:" + escape_text(value)
    data = fold_line(line)
    check_wire_format(data)
    assert unfold(data) == [line]
    expected = "".join(c for c in value.replace("\r\n", "\n").replace("\r", "\n")
                       if c == "\n" or (c >= " " and c != "\x7f"))
    assert unescape(line.partition(":")[2]) == expected


def test_invitation_text_in_plain_danish() -> None:
    text = invitation_text(conversation(), NAMES, "da")
    assert text.startswith(f"Kære {NAMES[EMPLOYEE]}\n")
    for expected in ("MUS – medarbejderudviklingssamtale tirsdag den 10. marts 2026 kl. 10.00",
                     "ikke en lønforhandling", "Spørgsmålsarket er vedhæftet", "bisidder",
                     "tillidsrepræsentant", "cirka et halvt år", "Venlig hilsen\nMette Holm"):
        assert expected in text, expected
    assert invitation_subject(conversation(), "da").startswith("Invitation til MUS")


def test_invitation_text_for_a_team_in_english_and_without_a_date() -> None:
    team = conversation(Kind.TUS, participant_ids=(EMPLOYEE, TR), companion_id=None,
                        planned_at=None)
    text = invitation_text(team, NAMES, "en")
    assert text.startswith("Dear all\n")
    for expected in ("team development plan", "not a pay negotiation", "question sheet is "
                     "attached", "companion", "about six months", "on a date we will agree",
                     "Jonas Nielsen", "Kind regards\nMette Holm"):
        assert expected in text, expected
    danish = invitation_text(team, NAMES, "da")
    assert danish.startswith("Kære alle\n") and "teamudviklingsplan" in danish


def test_a_year_plan_becomes_one_calendar_file_with_every_event() -> None:
    from conversations.model import Conversation, Kind
    from documents.calendar import combined_ics, invitation_ics

    files = [
        invitation_ics(Conversation(kind=Kind.MUS, sheet_id="mus", sheet_version=1,
                                    leader_id="l", participant_ids=(p,),
                                    planned_at=dt.datetime(2027, 3, day, 10), author="l"),
                       {"l": "Mette", p: p.title()}, "MUS", now=NOW)
        for day, p in ((1, "anna"), (2, "jonas"), (3, "fatima"))
    ]
    joined = combined_ics(files)
    assert joined.count(b"BEGIN:VEVENT") == 3 and joined.count(b"END:VEVENT") == 3
    assert joined.startswith(b"BEGIN:VCALENDAR\r\n") and joined.endswith(b"END:VCALENDAR\r\n")
    assert joined.count(b"BEGIN:VCALENDAR") == 1
    assert joined.count(b"BEGIN:VTIMEZONE") == files[0].count(b"BEGIN:VTIMEZONE")
