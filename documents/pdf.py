"""PDF documents: the conversation document, the development agreement, the team
development plan, the unit's year plan and the question sheet sent with the
invitation.

Every function returns the PDF as ``bytes`` and never touches the disk except to read
the embedded fonts (``assets/fonts/DejaVuSans*.ttf``); the caller writes the bytes only
where the person chooses to export them. fpdf is imported inside the functions, so the
app's start-up never pays for it (~0.3 s).

Common look: A4, "Fortroligt" and the document's title, kind and date at the top of
every page, "Side x af y" at the bottom, DejaVu Sans embedded so Danish letters and
Word punctuation (– € “ ” • ‘ ’ …) print. A character the font lacks (emoji) becomes
one visible placeholder (U+FFFD) instead of a crash or a silent gap.

Texts come from the app's translation files, with the keys this module adds read from
``assets/i18n/<lang>.json`` like every other text.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime

from conversations.competence import SCALE, JobProfile, Level
from conversations.model import (
    Agreement,
    Conversation,
    Goal,
    Kind,
    Minutes,
    Preparation,
    Signature,
    SubGoal,
    TeamAction,
    TeamPlan,
    UnitPlan,
    clean_text,
)
from conversations.sheets import Question, QuestionSheet, QuestionType, Theme
from conversations.texts import localize
from conversations.unit_plan import by_team
from resources.texts import ASSETS, Texts

__all__ = [
    "FONT_DIR",
    "PLACEHOLDER",
    "agreement_document",
    "conversation_document",
    "printable",
    "question_sheet_document",
    "say",
    "team_plan_document",
]

FONT_DIR = ASSETS / "fonts"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
PLACEHOLDER = "\ufffd"
LOCAL_ZONE = "Europe/Copenhagen"

MARGIN = 18.0
TOP = 24.0
BOTTOM = 18.0
BODY_SIZE = 10.0
LINE = 5.0
LONG_CELL = 1_200
"""A table cell longer than this many characters could outgrow a page (fpdf cannot
split a table row), so such rows are written as paragraphs instead."""

MAX_COLUMN = 55.0
MIN_FLEX = 35.0

INK = (30, 30, 30)
MUTED = (95, 95, 95)
ALERT = (160, 20, 20)
OK = (20, 100, 40)
RULE = (180, 180, 180)
HEAD_FILL = (232, 236, 242)


# --- texts ------------------------------------------------------------------------------


def say(lang: str, key: str, **params: object) -> str:
    """The text ``key`` in ``lang`` from the translation files."""
    return Texts(lang)(key, **params)


def _name(names: Mapping[str, str], person_id: str | None, lang: str) -> str:
    if not person_id:
        return ""
    return names.get(person_id) or say(lang, "doc.unknown_person")


def kind_name(kind: Kind, lang: str) -> str:
    """``MUS – medarbejderudviklingssamtale``, or the short name where no long one exists."""
    long = say(lang, f"kind.long.{kind.value}")
    return long if not long.startswith("kind.") else say(lang, f"kind.{kind.value}")


def _local(moment: dt.datetime) -> dt.datetime:
    """An aware time in Danish local time; a naive one is taken as local already."""
    if moment.tzinfo is None:
        return moment
    zone = _zone()
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


@functools.cache
def _zone() -> dt.tzinfo | None:
    try:

        return ZoneInfo(LOCAL_ZONE)
    except (KeyError, ValueError, OSError, ImportError):
        return None


def format_date(day: dt.date | None, lang: str) -> str:
    """A date as the app writes it ("1. marts 2027"), so paper and screen agree."""
    if day is None:
        return ""

    pattern = say(lang, "format.date")
    return babel_date(day, pattern, locale=lang)


def format_datetime(moment: dt.datetime | None, lang: str, *, long: bool = False) -> str:
    if moment is None:
        return ""

    pattern = say(lang, "doc.format.long_datetime" if long else "format.datetime")
    return babel_datetime(_local(moment).replace(tzinfo=None), pattern, locale=lang)


def _when(conversation: Conversation, lang: str) -> str:
    if conversation.planned_at is None:
        return say(lang, "doc.not_planned")
    return format_datetime(conversation.planned_at, lang)


# --- text the font can print -----------------------------------------------------------

_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufe00-\ufe0f\U000e0000-\U000e007f]"
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\t": "    "})


def printable(text: str, supported: frozenset[str]) -> str:
    """``text`` with what a PDF cannot show removed: invisible and control characters
    go, and each run of characters the font lacks (emoji) becomes one placeholder."""
    text = unicodedata.normalize("NFC", clean_text(text).translate(_LINE_SEPARATORS))
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    missing = set(text) - supported - {"\n"}
    if not missing:
        return text
    runs = re.compile("[" + "".join(re.escape(c) for c in sorted(missing)) + "]+")
    return runs.sub(PLACEHOLDER, text)


# --- the PDF -----------------------------------------------------------------------------


@functools.cache
def _document_class() -> Any:
    """An ``fpdf.FPDF`` subclass with the common header and footer (fpdf imported here)."""
    from fpdf import FPDF  # noqa: PLC0415 - fpdf costs ~0.45 s; loaded at the first PDF

    class Document(FPDF):
        confidential = ""
        running_title = ""
        page_text = ""

        def header(self) -> None:
            self.set_y(10)
            self.set_font(FONT_FAMILY, "B", 9)
            self.set_text_color(*ALERT)
            self.cell(40, 5, self.confidential)
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*MUTED)
            self.set_x(self.l_margin + 40)
            self.cell(self.epw - 40, 5, self.running_title, align="R")
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(self.l_margin, 16.5, self.w - self.r_margin, 16.5)
            self.set_text_color(*INK)
            self.set_y(TOP)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, self.page_text.replace("{page}", str(self.page_no())), align="C")
            self.set_text_color(*INK)

    return Document


class _Writer:
    """Paragraphs, headings, facts and tables on an A4 page, with clean text."""

    def __init__(self, lang: str, kind: str, heading: str, date: str) -> None:
        self.lang = lang
        pdf = _document_class()(orientation="P", unit="mm", format="A4")
        for style, file in FONT_FILES.items():
            pdf.add_font(FONT_FAMILY, style, str(FONT_DIR / file))
        pdf.set_margins(MARGIN, TOP, MARGIN)
        pdf.set_auto_page_break(True, margin=BOTTOM)
        pdf.set_title(heading)
        pdf.set_creator("Samtale")
        pdf.set_lang(lang)
        pdf.confidential = say(lang, "doc.confidential")
        pdf.page_text = say(lang, "doc.page", page="{page}", pages="{nb}")
        self.pdf = pdf
        self.supported = _supported(pdf)
        pdf.running_title = self.clean(" · ".join(p for p in (heading, kind, date) if p))
        pdf.add_page()
        pdf.set_font(FONT_FAMILY, "", BODY_SIZE)

    def clean(self, text: str) -> str:
        return printable(text, self.supported)

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    # -- blocks

    def title(self, text: str, subtitle: str = "") -> None:
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, "B", 17)
        pdf.multi_cell(0, 8, self.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")
        if subtitle:
            pdf.set_font(FONT_FAMILY, "", 11)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(0, 6, self.clean(subtitle), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.set_text_color(*INK)
        pdf.ln(3)

    def room(self, height: float) -> None:
        """A new page unless ``height`` mm are left on this one (keeps a heading with
        what follows it)."""
        pdf = self.pdf
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()

    def heading(self, text: str) -> None:
        pdf = self.pdf
        self.room(28)
        pdf.ln(3)
        pdf.set_font(FONT_FAMILY, "B", 13)
        pdf.multi_cell(0, 7, self.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_draw_color(*RULE)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)
        pdf.set_font(FONT_FAMILY, "", BODY_SIZE)

    def subheading(self, text: str, *, size: float = 10.5) -> None:
        pdf = self.pdf
        self.room(18)
        pdf.ln(1.5)
        pdf.set_font(FONT_FAMILY, "B", size)
        pdf.multi_cell(0, LINE + 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT",
                       align="L")
        pdf.set_font(FONT_FAMILY, "", BODY_SIZE)

    def paragraph(
        self,
        text: str,
        *,
        indent: float = 0,
        size: float = BODY_SIZE,
        color: tuple[int, int, int] = INK,
        bold: bool = False,
        after: float = 1.5,
    ) -> None:
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.set_text_color(*color)
        pdf.set_x(pdf.l_margin + indent)
        line = LINE * size / BODY_SIZE
        pdf.multi_cell(pdf.epw - indent, line, self.clean(text), new_x="LMARGIN",
                       new_y="NEXT", align="L")
        pdf.set_text_color(*INK)
        pdf.set_font(FONT_FAMILY, "", BODY_SIZE)
        if after:
            pdf.ln(after)

    def bullet(self, text: str, *, indent: float = 2) -> None:
        """A bulleted item whose wrapped lines line up under its first word."""
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, "", BODY_SIZE)
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(5, LINE, "•")
        pdf.multi_cell(pdf.epw - indent - 5, LINE, self.clean(text), new_x="LMARGIN",
                       new_y="NEXT", align="L")
        pdf.ln(1)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label: value lines (who, when) under the title."""
        pdf = self.pdf
        width = 42.0
        for label, value in rows:
            if not value:
                continue
            pdf.set_font(FONT_FAMILY, "B", BODY_SIZE)
            pdf.set_x(pdf.l_margin)
            top = pdf.get_y()
            pdf.multi_cell(width, LINE + 0.5, self.clean(label), new_x="RIGHT", new_y="TOP",
                           align="L")
            pdf.set_font(FONT_FAMILY, "", BODY_SIZE)
            pdf.set_xy(pdf.l_margin + width, top)
            pdf.multi_cell(pdf.epw - width, LINE + 0.5, self.clean(value),
                           new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(2)

    def table(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        flex: int = 0,
        size: float = 9,
    ) -> None:
        """A bordered table whose heading row repeats on each page; cells wrap. Each
        column but ``flex`` grows from its width in ``widths`` (mm) to fit its longest
        word; ``flex`` takes what is left of the page width."""
        from fpdf.fonts import FontFace  # noqa: PLC0415 - as FPDF above

        pdf = self.pdf
        headings = [self.clean(text) for text in headings]
        rows = [[self.clean(value) for value in values] for values in rows]
        fitted = self._fit(headings, rows, widths, flex, size)
        pdf.set_font(FONT_FAMILY, "", size)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        self.room(22)
        with pdf.table(
            col_widths=tuple(fitted),
            width=pdf.epw,
            text_align="LEFT",
            line_height=LINE * size / BODY_SIZE,
            padding=(1.2, 1.5),
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
            v_align="TOP",
        ) as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        pdf.set_font(FONT_FAMILY, "", BODY_SIZE)
        pdf.ln(3)

    def _fit(self, headings: Sequence[str], rows: Sequence[Sequence[str]],
             widths: Sequence[float], flex: int, size: float) -> list[float]:
        pdf = self.pdf
        padding = 2 * 1.5 + 0.8

        def longest_word(texts: Iterable[str], style: str) -> float:
            pdf.set_font(FONT_FAMILY, style, size)
            return max((pdf.get_string_width(word) for text in texts for word in text.split()),
                       default=0.0)

        fitted = []
        for at, width in enumerate(widths):
            need = max(longest_word((row[at] for row in rows), ""),
                       longest_word([headings[at]], "B")) + padding
            fitted.append(0.0 if at == flex else max(width, min(need, MAX_COLUMN)))
        fitted[flex] = max(pdf.epw - sum(fitted), MIN_FLEX)
        return fitted

    def write_lines(self, count: int) -> None:
        """Ruled lines to write on by hand."""
        pdf = self.pdf
        pdf.set_draw_color(*RULE)
        for _ in range(count):
            if pdf.get_y() + 8 > pdf.page_break_trigger:
                pdf.add_page()
            pdf.ln(7.5)
            pdf.line(pdf.l_margin + 4, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(3)


_SUPPORTED: dict[str, frozenset[str]] = {}


def _supported(pdf: Any) -> frozenset[str]:
    """The characters every embedded font style can print (read once per process)."""
    cached = _SUPPORTED.get(FONT_FAMILY)
    if cached is None:
        maps = [set(font.cmap) for font in pdf.fonts.values() if getattr(font, "cmap", None)]
        common = set.intersection(*maps) if maps else set(range(0x20, 0x7F))
        cached = frozenset(chr(c) for c in common if c >= 0x20)
        _SUPPORTED[FONT_FAMILY] = cached
    return cached


# --- shared parts ------------------------------------------------------------------------


def _leading_id(conversation: Conversation) -> str:
    return conversation.delegate_leader_id or conversation.leader_id


def _facts(
    conversation: Conversation, names: Mapping[str, str], lang: str
) -> list[tuple[str, str]]:
    people = ", ".join(_name(names, p, lang) for p in conversation.participant_ids)
    rows = [
        (say(lang, "doc.members" if conversation.kind.is_team else "doc.employee"), people),
        (say(lang, "doc.leader"), _name(names, conversation.leader_id, lang)),
    ]
    if conversation.delegate_leader_id:
        delegate = _name(names, conversation.delegate_leader_id, lang)
        rows.append((say(lang, "doc.delegate"), delegate))
    if conversation.companion_id:
        rows.append((say(lang, "doc.companion"), _name(names, conversation.companion_id, lang)))
    rows.append((say(lang, "doc.date"), _when(conversation, lang)))
    if conversation.follow_up_due is not None:
        rows.append((say(lang, "doc.follow_up"), format_date(conversation.follow_up_due, lang)))
    return rows


def _start(conversation: Conversation, names: Mapping[str, str], lang: str,
           title_key: str) -> _Writer:
    title = say(lang, title_key)
    kind = kind_name(conversation.kind, lang)
    date = format_date(conversation.planned_at.date(), lang) if conversation.planned_at else ""
    writer = _Writer(lang, conversation.kind.value, title, date)
    writer.title(title, kind)
    writer.facts(_facts(conversation, names, lang))
    return writer


def _theme_title(sheet: QuestionSheet | None, theme_id: str, lang: str) -> str:
    if sheet is not None:
        for theme in sheet.themes:
            if theme.id == theme_id:
                return localize(theme.title, lang)
    return theme_id


def _fits_in_table(*texts: str) -> bool:
    return all(len(text) <= LONG_CELL and text.count("\n") < 40 for text in texts)


def _goals(
    writer: _Writer,
    goals: Sequence[Goal],
    names: Mapping[str, str],
    lang: str,
    sheet: QuestionSheet | None,
    *,
    team_member: bool = False,
) -> None:
    """The goals table: theme, what, practice field, responsible, deadline, status (a
    team member's own goals: what, practice field, deadline, status, approval)."""
    columns: list[tuple[str, float, Callable[[Goal], str]]] = [
        ("doc.goal.theme", 24, lambda g: _theme_title(sheet, g.theme_id, lang)),
        ("doc.goal.what", 40, lambda g: g.what),
        ("doc.goal.practice", 22, lambda g: say(lang, f"doc.practice.{g.practice_field.value}")
         if g.practice_field else "–"),
        ("doc.goal.responsible", 22, lambda g: _name(names, g.responsible_id, lang)),
        ("doc.goal.deadline", 24, lambda g: format_date(g.deadline, lang)),
        ("doc.goal.status", 16, lambda g: say(lang, f"doc.status.{g.status.value}")),
    ]
    if team_member:
        approval = ("doc.goal.approval", 24, lambda g: say(
            lang, "doc.goal.approved" if g.approved_by_leader else "doc.goal.not_approved"))
        columns = [columns[1], columns[2], columns[4], columns[5], approval]
    headings = [say(lang, key) for key, _, _ in columns]
    rows = [[cell(goal) for _, _, cell in columns] for goal in goals]
    what_at = [key for key, _, _ in columns].index("doc.goal.what")
    if all(_fits_in_table(*row) for row in rows):
        writer.table(headings, rows, [width for _, width, _ in columns], flex=what_at)
        return
    for number, row in enumerate(rows, 1):  # a goal too long for a table row
        writer.subheading(f"{number}. {row[0]}" if what_at else f"{number}.", size=10)
        writer.paragraph(row[what_at], indent=4)
        details = [f"{h}: {v}" for at, (h, v) in enumerate(zip(headings, row, strict=True))
                   if v and at > what_at]
        writer.paragraph(" · ".join(details), indent=4, size=9, color=MUTED, after=3)


# --- the conversation document ------------------------------------------------------------


def _role(conversation: Conversation, person_id: str, lang: str) -> str:
    if person_id in (conversation.leader_id, conversation.delegate_leader_id):
        return say(lang, "doc.leader")
    if person_id == conversation.companion_id:
        return say(lang, "doc.companion")
    return say(lang, "doc.employee")


def _parties(conversation: Conversation, present: Iterable[str]) -> list[str]:
    """Participants first, then whoever leads, then anybody else, each once."""
    order = [*conversation.participant_ids, _leading_id(conversation), conversation.leader_id]
    present = list(present)
    ordered = [p for p in dict.fromkeys(order) if p in present]
    return ordered + [p for p in present if p not in ordered]


def _answer_text(question: Question, raw: str, lang: str) -> str:
    if question.type is QuestionType.SCALE:
        low = 1 if question.min is None else question.min
        high = 5 if question.max is None else question.max
        return say(lang, "doc.scale_answer", value=raw, min=low, max=high,
                   low=localize(question.low, lang), high=localize(question.high, lang))
    if question.type is QuestionType.CHOICE:
        for option in question.options:
            if option.id == raw:
                return localize(option.text, lang)
    return raw


def _competence_table(
    writer: _Writer,
    question: Question,
    *,
    parties: Sequence[str],
    preparations: Mapping[str, Preparation],
    names: Mapping[str, str],
    lang: str,
    profiles: Mapping[str, JobProfile],
) -> None:
    profile = profiles.get(question.job_profile or "")
    rated = {cid for p in parties for cid in preparations[p].ratings}
    if profile is not None:
        competences = [(c.id, localize(c.name, lang)) for c in profile.competences]
        known = {c.id for c in profile.competences}
        competences += [(cid, cid) for cid in sorted(rated - known)]
    else:
        competences = [(cid, cid) for cid in sorted(rated)]
    if not competences or not parties:
        writer.paragraph(say(lang, "doc.no_answer"), indent=4, color=MUTED)
        return
    headings = [say(lang, "doc.competence")] + [_name(names, p, lang) for p in parties]
    first = 70.0 if len(parties) <= 3 else 50.0
    widths = [first] + [(writer.pdf.epw - first) / len(parties)] * len(parties)
    rows = []
    for cid, label in competences:
        row = [label]
        for person in parties:
            level = preparations[person].ratings.get(cid)
            row.append(say(lang, Level(level).text_key) if level is not None else "–")
        rows.append(row)
    writer.table(headings, rows, widths)


def conversation_document(  # noqa: PLR0917 (the agreed signature)
    conversation: Conversation,
    sheet: QuestionSheet,
    preparations: Mapping[str, Preparation],
    minutes: Minutes | None,
    names: Mapping[str, str],
    lang: str,
    *,
    profiles: Mapping[str, JobProfile] | None = None,
) -> bytes:
    """The conversation document: per theme each question with every party's answer one
    after the other, competence ratings as a table with the level names, then the
    minutes for that theme. ``preparations`` maps person id to the preparation the
    caller may show (a private one should not be passed); ``profiles`` names the
    competences (by id otherwise)."""
    writer = _start(conversation, names, lang, "doc.conversation.title")
    parties = _parties(conversation, preparations)
    notes = dict(minutes.notes) if minutes is not None else {}
    intro = localize(sheet.intro, lang)
    if intro:
        writer.paragraph(intro, size=9, color=MUTED, after=2)
    if not parties:
        writer.paragraph(say(lang, "doc.no_preparations"), color=MUTED)
    for t_number, theme in enumerate(sheet.themes, 1):
        writer.heading(f"{t_number}. {localize(theme.title, lang)}")
        for q_number, question in enumerate(theme.questions, 1):
            writer.subheading(f"{t_number}.{q_number} {localize(question.text, lang)}")
            if question.type is QuestionType.COMPETENCE:
                _competence_table(writer, question, parties=parties, preparations=preparations,
                                  names=names, lang=lang, profiles=profiles or {})
            else:
                for person in parties:
                    raw = preparations[person].answers.get(question.id, "").strip()
                    label = f"{_name(names, person, lang)} ({_role(conversation, person, lang)})"
                    writer.paragraph(label, indent=4, size=8.5, color=MUTED, bold=True, after=0)
                    if raw:
                        writer.paragraph(_answer_text(question, raw, lang), indent=4)
                    else:
                        writer.paragraph(say(lang, "doc.no_answer"), indent=4, color=MUTED)
            note = notes.pop(question.id, "").strip()
            if note:
                writer.paragraph(say(lang, "doc.minutes"), indent=4, size=8.5, bold=True,
                                 color=MUTED, after=0)
                writer.paragraph(note, indent=4)
        _theme_minutes(writer, theme, notes, lang, minutes is not None)
    rest = [(key, text) for key, text in notes.items() if text.strip()]
    if rest:
        writer.heading(say(lang, "doc.other_notes"))
        for _key, text in rest:
            writer.paragraph(text)
    return writer.output()


def _theme_minutes(writer: _Writer, theme: Theme, notes: dict[str, str], lang: str,
                   have_minutes: bool) -> None:
    note = notes.pop(theme.id, "").strip()
    if not note and not have_minutes:
        return
    writer.subheading(say(lang, "doc.minutes"))
    if note:
        writer.paragraph(note, indent=4)
    else:
        writer.paragraph(say(lang, "doc.no_minutes"), indent=4, color=MUTED)


# --- the development agreement ---------------------------------------------------------------


def agreement_document(  # noqa: PLR0917 (the agreed signature)
    conversation: Conversation,
    agreement: Agreement,
    names: Mapping[str, str],
    signatures_ok: Mapping[str, bool] | None,
    fingerprints: Mapping[str, str],
    lang: str,
    *,
    sheet: QuestionSheet | None = None,
) -> bytes:
    """The development agreement: a goals table (theme, what, practice field,
    responsible, deadline, status) and a signature block per party: name, when signed
    and the short key fingerprint, or "Afventer underskrift". The caller verifies the
    signatures: ``signatures_ok[signer]`` False prints "Ugyldig underskrift"; a signer
    missing from it (or None) is printed as not checked. ``sheet`` names the themes."""
    writer = _start(conversation, names, lang, "doc.agreement.title")
    writer.heading(say(lang, "doc.goals"))
    if agreement.goals:
        _goals(writer, agreement.goals, names, lang, sheet)
    else:
        writer.paragraph(say(lang, "doc.no_goals"), color=MUTED)
    _signatures(writer, conversation, agreement, names=names, signatures_ok=signatures_ok,
                fingerprints=fingerprints, lang=lang)
    return writer.output()


def _signatures(
    writer: _Writer,
    conversation: Conversation,
    agreement: Agreement,
    *,
    names: Mapping[str, str],
    signatures_ok: Mapping[str, bool] | None,
    fingerprints: Mapping[str, str],
    lang: str,
) -> None:
    pdf = writer.pdf
    signed = {s.signer_id: s for s in agreement.signatures}
    signers = _parties(conversation, [*conversation.participant_ids,
                                      _leading_id(conversation), *signed])
    writer.room(52)
    writer.heading(say(lang, "doc.signatures"))
    writer.paragraph(say(lang, "doc.signatures_note"), size=8.5, color=MUTED, after=3)
    box_w = (pdf.epw - 6) / 2
    for index in range(0, len(signers), 2):
        writer.room(32)
        top = pdf.get_y()
        pair = list(enumerate(signers[index:index + 2]))
        bottom = max(
            _signature_box(
                writer, (pdf.l_margin + column * (box_w + 6), top, box_w), person,
                conversation=conversation, signature=signed.get(person), names=names,
                signatures_ok=signatures_ok, fingerprints=fingerprints, lang=lang,
            )
            for column, person in pair
        )
        pdf.set_draw_color(*RULE)
        for column, _person in pair:  # boxes side by side share one height
            pdf.rect(pdf.l_margin + column * (box_w + 6), top, box_w, bottom - top)
        pdf.set_y(bottom + 4)
    writer.paragraph(
        say(lang, "doc.record", id=agreement.id[:8], version=agreement.version[:12]),
        size=7.5, color=MUTED,
    )


def _signature_box(
    writer: _Writer,
    box: tuple[float, float, float],
    person: str,
    *,
    conversation: Conversation,
    signature: Signature | None,
    names: Mapping[str, str],
    signatures_ok: Mapping[str, bool] | None,
    fingerprints: Mapping[str, str],
    lang: str,
) -> float:
    pdf = writer.pdf
    x, top, width = box
    lines: list[tuple[str, str, float, tuple[int, int, int]]] = [
        (_name(names, person, lang), "B", 10.5, INK),
        (_role(conversation, person, lang), "", 8.5, MUTED),
    ]
    if signature is None:
        lines.append((say(lang, "doc.awaiting_signature"), "B", 10, ALERT))
    else:
        ok = None if signatures_ok is None else signatures_ok.get(person)
        when = format_datetime(signature.signed_at, lang)
        key = fingerprints.get(person) or say(lang, "doc.fingerprint_unknown")
        if ok is False:
            lines.append((say(lang, "doc.invalid_signature"), "B", 10, ALERT))
        lines.append((say(lang, "doc.signed_at", when=when), "B" if ok else "", 9.5,
                      OK if ok else INK))
        lines.append((say(lang, "doc.fingerprint", fingerprint=key), "", 9, INK))
        if ok is None:
            lines.append((say(lang, "doc.unchecked_signature"), "", 8, MUTED))
    pdf.set_xy(x + 3, top + 3)
    for text, style, size, color in lines:
        pdf.set_font(FONT_FAMILY, style, size)
        pdf.set_text_color(*color)
        pdf.set_x(x + 3)
        pdf.multi_cell(width - 6, size * 0.5, writer.clean(text), new_x="LEFT", new_y="NEXT",
                       align="L")
        pdf.ln(0.6)
    bottom = max(pdf.get_y() + 2.5, top + 26)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT_FAMILY, "", BODY_SIZE)
    return float(bottom)


# --- the team development plan -------------------------------------------------------------


def team_plan_document(
    conversation: Conversation,
    plan: TeamPlan,
    names: Mapping[str, str],
    lang: str,
) -> bytes:
    """The team development plan: short- and long-term actions (responsible, deadline,
    status) and each member's own goals with the leader's approval."""
    writer = _start(conversation, names, lang, "doc.team_plan.title")
    for long_term, key in ((False, "doc.short_term"), (True, "doc.long_term")):
        writer.heading(say(lang, key))
        actions = [a for a in plan.actions if a.long_term is long_term]
        if actions:
            _actions(writer, actions, names, lang)
        else:
            writer.paragraph(say(lang, "doc.no_actions"), color=MUTED)
    writer.heading(say(lang, "doc.member_goals"))
    members = _parties(conversation, [m for m, goals in plan.member_goals.items() if goals])
    if not members:
        writer.paragraph(say(lang, "doc.no_member_goals"), color=MUTED)
    for member in members:
        writer.subheading(_name(names, member, lang))
        _goals(writer, plan.member_goals[member], names, lang, None, team_member=True)
    return writer.output()


def unit_plan_document(
    plan: UnitPlan,
    names: Mapping[str, str],
    lang: str,
    *,
    shared: bool,
) -> bytes:
    """The unit's year plan: the unit's own priorities, then each team's sub-goals
    (responsible, deadline, status), teams by name; whether it has been shared yet."""
    title = say(lang, "doc.unit_plan.title", year=plan.year)
    writer = _Writer(lang, "", title, plan.unit)
    writer.title(title, plan.unit)
    writer.facts([
        (say(lang, "doc.unit_plan.unit"), plan.unit),
        (say(lang, "doc.unit_plan.by"), _name(names, plan.author, lang)),
        (say(lang, "doc.unit_plan.state"),
         say(lang, "doc.unit_plan.shared" if shared else "doc.unit_plan.draft")),
    ])
    writer.heading(say(lang, "doc.unit_plan.priorities"))
    if not plan.priorities:
        writer.paragraph(say(lang, "doc.unit_plan.no_priorities"), color=MUTED)
    for number, priority in enumerate(plan.priorities, 1):
        writer.paragraph(f"{number}. {priority.what}", bold=True)
    writer.heading(say(lang, "doc.unit_plan.sub_goals"))
    teams = by_team(plan)
    if not teams:
        writer.paragraph(say(lang, "doc.unit_plan.no_sub_goals"), color=MUTED)
    for team, goals in teams:
        writer.subheading(team or say(lang, "doc.unit_plan.no_team"))
        _actions(writer, goals, names, lang, what=say(lang, "doc.unit_plan.sub_goal"))
    return writer.output()


def _actions(writer: _Writer, actions: Sequence[TeamAction | SubGoal],
             names: Mapping[str, str], lang: str, *, what: str = "") -> None:
    headings = [what or say(lang, "doc.action"), say(lang, "doc.goal.responsible"),
                say(lang, "doc.goal.deadline"), say(lang, "doc.goal.status")]
    rows = [[a.what, _name(names, a.responsible_id, lang),
             format_date(a.deadline, lang), say(lang, f"doc.status.{a.status.value}")]
            for a in actions]
    if all(_fits_in_table(*row) for row in rows):
        writer.table(headings, rows, [82.0, 30, 24, 16])
        return
    for number, row in enumerate(rows, 1):
        writer.paragraph(f"{number}. {row[0]}")
        details = [f"{h}: {v}" for h, v in zip(headings[1:], row[1:], strict=True) if v]
        writer.paragraph(" · ".join(details), indent=4, size=9, color=MUTED, after=3)


# --- the question sheet ---------------------------------------------------------------------


def question_sheet_document(
    sheet: QuestionSheet,
    lang: str,
    *,
    profiles: Mapping[str, JobProfile] | None = None,
) -> bytes:
    """The question sheet sent with the invitation: themes, guidance and questions with
    lines to write on (boxes for scales and choices, a level grid for competences when
    ``profiles`` has the job profile), and a team sheet's ground rules."""
    title = localize(sheet.title, lang)
    writer = _Writer(lang, sheet.kind.value, say(lang, "doc.sheet.title"), "")
    writer.title(say(lang, "doc.sheet.title"), title)
    intro = localize(sheet.intro, lang)
    if intro:
        writer.paragraph(intro)
    writer.paragraph(say(lang, "doc.sheet.write_hint"), size=9, color=MUTED)
    for t_number, theme in enumerate(sheet.themes, 1):
        writer.heading(f"{t_number}. {localize(theme.title, lang)}")
        guidance = localize(theme.guidance, lang)
        if guidance:
            writer.paragraph(guidance, size=9, color=MUTED, after=2)
        for q_number, question in enumerate(theme.questions, 1):
            writer.room(30)
            writer.subheading(f"{t_number}.{q_number} {localize(question.text, lang)}")
            help_text = localize(question.help, lang)
            if help_text:
                writer.paragraph(help_text, indent=4, size=8.5, color=MUTED, after=0)
            _space_to_answer(writer, question, lang, profiles or {})
    if sheet.ground_rules:
        writer.heading(say(lang, "doc.ground_rules"))
        for rule in sheet.ground_rules:
            writer.bullet(localize(rule.text, lang))
    return writer.output()


def _space_to_answer(writer: _Writer, question: Question, lang: str,
                     profiles: Mapping[str, JobProfile]) -> None:
    box = "\u2610"
    if question.type is QuestionType.SCALE:
        low = 1 if question.min is None else question.min
        high = 5 if question.max is None else question.max
        steps = "    ".join(f"{box} {n}" for n in range(low, high + 1))
        writer.paragraph(steps, indent=4, size=11, after=0.5)
        if question.low or question.high:
            writer.paragraph(f"{low} = {localize(question.low, lang)}, "
                             f"{high} = {localize(question.high, lang)}",
                             indent=4, size=8.5, color=MUTED)
        writer.pdf.ln(2)
    elif question.type is QuestionType.CHOICE:
        for option in question.options:
            writer.paragraph(f"{box}  {localize(option.text, lang)}", indent=4, after=0.5)
        writer.pdf.ln(2)
    elif question.type is QuestionType.COMPETENCE:
        profile = profiles.get(question.job_profile or "")
        legend = ", ".join(f"{int(level)} = {say(lang, level.text_key)}" for level in SCALE)
        writer.paragraph(f"{say(lang, 'doc.competence_legend')} {legend}", indent=4, size=8.5,
                         color=MUTED)
        if profile is None:
            writer.write_lines(3)
            return
        headings = [say(lang, "doc.competence"), *(str(int(level)) for level in SCALE)]
        first = writer.pdf.epw - 6 * 12
        rows = [[localize(c.name, lang), *([box] * len(SCALE))] for c in profile.competences]
        writer.table(headings, rows, [first] + [12.0] * len(SCALE))
    else:
        writer.write_lines(4)


# --- a table for the leader: the year plan and status board --------------------------------


def table_document(
    title: str,
    subtitle: str,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    lang: str,
) -> bytes:
    """A list as a PDF table (the leader's status board for the year): the first column
    (names) takes what the others leave."""
    writer = _Writer(lang, "", title, subtitle)
    writer.title(title, subtitle)
    if rows:
        widths = [40.0, 28.0, 18.0, 40.0, 32.0][:len(headings)]
        widths += [24.0] * (len(headings) - len(widths))
        writer.table(headings, rows, widths, flex=0)
    else:
        writer.paragraph(say(lang, "doc.no_rows"), color=MUTED)
    return writer.output()


def floor_document() -> bytes:
    """The least any document here costs: one line of text with the same two fonts
    embedded (the PDF benchmark's reference)."""
    from fpdf import FPDF  # noqa: PLC0415 - fpdf costs ~0.45 s; loaded at the first PDF

    pdf = FPDF(format="A4")
    for style, file in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, str(FONT_DIR / file))
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(0, 5, "Fortroligt")
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.cell(0, 5, "Udviklingsaftale – Side 1 af 1")
    return bytes(pdf.output())
