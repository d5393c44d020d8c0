"""Calendar files and the invitation mail: what a leader sends to book a conversation.

``invitation_ics`` and ``follow_up_ics`` write RFC 5545 calendar files (CRLF line
endings, lines folded at 75 octets without splitting a UTF-8 character, text escaped, a
UID that stays the same for a conversation so a re-sent file updates the booking rather
than adding one). A planned time without a time zone is Danish local time and is
written with ``TZID=Europe/Copenhagen`` and its VTIMEZONE; a time with a zone is
written in UTC. The files carry names, the kind of conversation and the sheet's title,
never answers or other free text.

``invitation_text`` is the standard invitation mail, in plain municipal Danish (or
English), for the leader to edit before sending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from conversations.model import Conversation, Kind
from documents.pdf import format_datetime, kind_name, say

__all__ = [
    "escape_text",
    "fold_line",
    "follow_up_ics",
    "invitation_ics",
    "invitation_subject",
    "invitation_text",
    "join_names",
]

PRODID = "-//Samtale//Samtale 1.0//DA"
ZONE = "Europe/Copenhagen"
MAX_OCTETS = 75
UID_DOMAIN = "samtale.invalid"

VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{ZONE}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


# --- RFC 5545 ---------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, newlines as ``\\n``, other
    control characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(c for c in value if c == "\n" or (c >= " " and c != "\x7f"))
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _param(value: str) -> str:
    """A parameter value (CN=…): quoted, without the characters a quoted value forbids."""
    return '"' + "".join(c for c in value if c >= " " and c not in '"\x7f') + '"'


def fold_line(line: str) -> bytes:
    """One content line as octets: folded so no physical line exceeds 75 octets (the
    continuation's leading space counts), never inside a UTF-8 character; CRLF ends."""
    parts: list[bytes] = []
    current = b""
    for char in line:
        octets = char.encode("utf-8")
        if len(current) + len(octets) > MAX_OCTETS:
            parts.append(current)
            current = b" "
        current += octets
    parts.append(current)
    return b"\r\n".join(parts) + b"\r\n"


def _calendar(lines: Iterable[str]) -> bytes:
    return b"".join(fold_line(line) for line in lines)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _stamp(now: dt.datetime) -> str:
    return _utc(now if now.tzinfo else now.replace(tzinfo=dt.UTC))


def _uid(conversation: Conversation, what: str) -> str:
    return f"{conversation.id}-{what}@{UID_DOMAIN}"


def _times(start: dt.datetime, minutes: int) -> tuple[list[str], bool]:
    """DTSTART/DTEND lines, and whether they need the VTIMEZONE."""
    end = start + dt.timedelta(minutes=minutes)
    if start.tzinfo is not None:
        return [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"], False
    pattern = "%Y%m%dT%H%M%S"
    return [f"DTSTART;TZID={ZONE}:{start.strftime(pattern)}",
            f"DTEND;TZID={ZONE}:{end.strftime(pattern)}"], True


# --- names ------------------------------------------------------------------------------------


def join_names(people: Iterable[str], names: Mapping[str, str], lang: str) -> str:
    """``Anna, Jonas og Mette``: each person once, in order, unknown ids left out."""
    shown = [names[p] for p in dict.fromkeys(people) if names.get(p)]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} {say(lang, 'ics.and')} {shown[-1]}"


def _everyone(conversation: Conversation) -> list[str]:
    leading = conversation.delegate_leader_id or conversation.leader_id
    people = [*conversation.participant_ids, leading]
    if conversation.companion_id:
        people.append(conversation.companion_id)
    return people


# --- the files ----------------------------------------------------------------------------------


def invitation_ics(
    conversation: Conversation,
    names: Mapping[str, str],
    sheet_title: str,
    organiser_email: str = "",
    duration_minutes: int = 60,
    *,
    lang: str = "da",
    now: dt.datetime,
) -> bytes:
    """The calendar booking for a planned conversation (``planned_at`` required)."""
    start = conversation.planned_at
    if start is None:
        raise ValueError("the conversation has no planned time")
    if duration_minutes <= 0:
        raise ValueError("duration_minutes must be positive")
    email = organiser_email.strip()
    if email and ("@" not in email or any(c.isspace() or c in ':;,"<>' for c in email)):
        raise ValueError("organiser_email is not an e-mail address")
    everyone = join_names(_everyone(conversation), names, lang)
    times, zoned = _times(start, duration_minutes)
    kind = kind_name(conversation.kind, lang)
    event = [
        "BEGIN:VEVENT",
        f"UID:{_uid(conversation, 'invitation')}",
        f"DTSTAMP:{_stamp(now)}",
        *times,
        "SEQUENCE:0",
        "SUMMARY:" + escape_text(say(lang, "ics.invitation.summary", kind=kind, names=everyone)),
        "DESCRIPTION:" + escape_text(say(lang, "ics.invitation.description", names=everyone,
                                         sheet=sheet_title)),
        "CLASS:CONFIDENTIAL",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
    ]
    if email:
        leader = names.get(conversation.delegate_leader_id or conversation.leader_id, "")
        cn = f";CN={_param(leader)}" if leader else ""
        event.append(f"ORGANIZER{cn}:mailto:{email}")
    event.append("END:VEVENT")
    return _wrap(event, zoned)


def follow_up_ics(
    conversation: Conversation,
    due: dt.date | dt.datetime,
    names: Mapping[str, str],
    *,
    lang: str = "da",
    now: dt.datetime,
    duration_minutes: int = 60,
) -> bytes:
    """The follow-up booked when the agreement is made: an all-day event on ``due``
    (a date, by default six months later: ``conversations.model.follow_up_date``), or a
    timed one when ``due`` is a datetime."""
    everyone = join_names(_everyone(conversation), names, lang)
    if isinstance(due, dt.datetime):
        times, zoned = _times(due, duration_minutes)
    else:
        following = due + dt.timedelta(days=1)
        times = [f"DTSTART;VALUE=DATE:{due:%Y%m%d}", f"DTEND;VALUE=DATE:{following:%Y%m%d}"]
        zoned = False
    kind = kind_name(conversation.kind, lang)
    event = [
        "BEGIN:VEVENT",
        f"UID:{_uid(conversation, 'follow-up')}",
        f"DTSTAMP:{_stamp(now)}",
        *times,
        "SEQUENCE:0",
        "SUMMARY:" + escape_text(say(lang, "ics.follow_up.summary", names=everyone)),
        "DESCRIPTION:" + escape_text(say(lang, "ics.follow_up.description", kind=kind,
                                         names=everyone)),
        "CLASS:CONFIDENTIAL",
        "TRANSP:OPAQUE" if isinstance(due, dt.datetime) else "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return _wrap(event, zoned)


def _wrap(event: list[str], zoned: bool) -> bytes:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH"]
    return _calendar([*head, *(VTIMEZONE if zoned else ()), *event, "END:VCALENDAR"])


# --- the invitation mail ------------------------------------------------------------------------


def _when(conversation: Conversation, lang: str) -> str:
    if conversation.planned_at is None:
        return say(lang, "invite.no_date")
    return format_datetime(conversation.planned_at, lang, long=True)


def invitation_subject(conversation: Conversation, lang: str) -> str:
    return say(lang, "invite.subject", kind=kind_name(conversation.kind, lang),
               when=_when(conversation, lang))


def invitation_text(conversation: Conversation, names: Mapping[str, str], lang: str) -> str:
    """The standard invitation mail: what the conversation is for (not a pay
    negotiation), the question sheet attached, that a companion (bisidder, TR) may come,
    and the follow-up about six months later. The leader edits it before sending."""
    if conversation.kind is Kind.FOLLOW_UP:
        body = "invite.body.follow_up"
    elif conversation.kind.is_team:
        body = "invite.body.team"
    else:
        body = "invite.body.individual"
    leader = names.get(conversation.delegate_leader_id or conversation.leader_id, "")
    return say(
        lang,
        body,
        names=join_names(conversation.participant_ids, names, lang),
        leader=leader,
        kind=kind_name(conversation.kind, lang),
        when=_when(conversation, lang),
    )


def combined_ics(calendars: Iterable[bytes]) -> bytes:
    """Several calendar files as one, for importing a whole year plan at once: the
    first file's frame (with its time zone) around every file's events."""
    head: list[bytes] = []
    events: list[bytes] = []
    for number, calendar in enumerate(calendars):
        event: list[bytes] | None = None
        for line in calendar.split(b"\r\n"):
            if line == b"BEGIN:VEVENT":
                event = [line]
            elif event is not None:
                event.append(line)
                if line == b"END:VEVENT":
                    events.append(b"\r\n".join(event))
                    event = None
            elif number == 0 and line and line != b"END:VCALENDAR":
                head.append(line)
    if not head or not events:
        raise ValueError("no events to combine")
    return b"\r\n".join([*head, *events, b"END:VCALENDAR"]) + b"\r\n"
