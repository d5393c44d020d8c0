"""The leader's year: a status board per person with reminders, the annual wheel (what
is planned each month beside other activities), bulk planning of a conversation kind for
the team, and exports (CSV, PDF, one calendar file for the whole plan)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.annual import Activity, Slot, danish_holidays, plan_year, planning_window
from conversations.model import InputRejected, Kind, State
from conversations.overview import BOARD_COLUMNS, BoardRow, BoardState, board_csv
from documents.calendar import combined_ics, invitation_ics
from documents.pdf import table_document
from storage import StorageError
from views.common import busy, describe, named, page_column, when
from views.shell import Route
from views.widgets import back_bar, export_button, parse_date, year_switcher

if TYPE_CHECKING:
    from views.shell import Shell

URGENT = (BoardState.OVERDUE, BoardState.FOLLOW_UP_DUE)
STATE_COLOURS = {
    BoardState.OVERDUE: ft.Colors.ERROR,
    BoardState.FOLLOW_UP_DUE: ft.Colors.TERTIARY,
    BoardState.NOT_PLANNED: ft.Colors.ON_SURFACE_VARIANT,
}
KINDS = (Kind.MUS, Kind.PUS, Kind.LUS, Kind.GRUS, Kind.TUS)


def parse_activities(text: str) -> list[Activity]:
    """One activity per line: ``title; from; to`` (to may be left out for one day)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) not in (2, 3) or not parts[0]:
            raise InputRejected("error.activity_line", line=number)
        start = parse_date(parts[1])
        end = parse_date(parts[2]) if len(parts) == 3 and parts[2] else start
        if start is None or end is None:
            raise InputRejected("error.activity_line", line=number)
        found.append(Activity(id=f"a{number}", title=parts[0], start=start, end=end,
                              kind="other"))
    return found


class YearScreen:
    def __init__(self, shell: Shell, year: int, notice: str) -> None:
        self.shell = shell
        self.session = shell.session
        self.office = shell.session.office
        self.t = shell.session.texts
        self.year = year
        self.notice = notice
        self.rows: list[BoardRow] = []
        self.preview: list[Slot] = []
        self.message = ft.Text(notice, color=ft.Colors.PRIMARY)
        # The dates belong to the year on screen: a new year, a new window, and none
        # at all when the year has no room left (the planner then says so).
        self.window = planning_window(year, self.session.today())
        start, end = self.window or (None, None)
        self.kind = ft.Dropdown(
            label=self.t("year.kind"), value=Kind.MUS.value,
            options=[ft.DropdownOption(key=k.value, text=self.t(f"kind.long.{k.value}"))
                     for k in KINDS])
        self.start = ft.TextField(label=self.t("year.from"), expand=True,
                                  value=start.strftime("%d-%m-%Y") if start else "")
        self.end = ft.TextField(label=self.t("year.to"), expand=True,
                                value=end.strftime("%d-%m-%Y") if end else "")
        self.per_day = ft.TextField(label=self.t("year.per_day"), value="2", width=150,
                                    keyboard_type=ft.KeyboardType.NUMBER)
        self.busy = ft.TextField(label=self.t("year.busy"), hint_text=self.t("year.busy_hint"),
                                 multiline=True, min_lines=2, max_lines=6)
        self.plan_message = ft.Text("", color=ft.Colors.ERROR)

    async def load(self) -> None:
        self.rows = await asyncio.to_thread(self.office.board, self.year)

    # --- the board -----------------------------------------------------------------------

    def board(self) -> list[ft.Control]:
        t = self.t
        urgent = sum(1 for row in self.rows if row.state in URGENT)
        parts: list[ft.Control] = [
            ft.Text(t("year.board"), theme_style=ft.TextThemeStyle.TITLE_LARGE),
            ft.Text(t("year.urgent", count=urgent) if urgent else t("year.nothing_urgent"),
                    color=ft.Colors.ERROR if urgent else None),
        ]
        if not self.rows:
            parts.append(ft.Text(t("year.nobody")))
        for row in self.rows:
            parts.append(self.row(row))
        return parts

    def row(self, row: BoardRow) -> ft.Control:
        t = self.t
        details = [t(f"board.{row.state.value}")]
        if row.kind is not None:
            details.append(t(f"kind.{row.kind.value}"))
        if row.planned_at is not None:
            details.append(when(row.planned_at, t))
        if row.state in URGENT and row.follow_up_due is not None:
            details.append(t("year.follow_up_on", date=when(row.follow_up_due, t)))
        colour = STATE_COLOURS.get(row.state)

        async def open_it() -> None:
            if row.conversation_id:
                await self.shell.go(Route.CONVERSATION, row.conversation_id, "")

        tile = ft.ListTile(
            leading=ft.Icon(ft.Icons.WARNING_AMBER if row.state is BoardState.OVERDUE
                            else ft.Icons.PERSON, color=colour),
            title=ft.Text(row.name),
            subtitle=ft.Text(" · ".join(details), color=colour),
            on_click=open_it if row.conversation_id else None,
            tooltip=t("year.open", name=row.name) if row.conversation_id else None,
        )
        if row.state not in URGENT or not row.conversation_id:
            return tile
        # A separate button, not inside the tile: a tap target of its own that screen
        # readers reach on its own.
        label = t("year.remind", name=row.name)
        return ft.Column([tile, ft.Container(
            ft.OutlinedButton(label, icon=ft.Icons.NOTIFICATIONS, on_click=self.reminder(row)),
            padding=ft.Padding.only(left=56, bottom=8))], spacing=0)

    def reminder(self, row: BoardRow) -> Any:
        async def remind(e: Any) -> None:
            if row.conversation_id is None:
                return
            try:
                await asyncio.to_thread(self.office.remind, row.conversation_id)
            except (InputRejected, StorageError) as err:
                self.message.value, self.message.color = describe(err, self.t), ft.Colors.ERROR
                self.message.update()
                return
            self.shell.sync_soon()
            self.message.value = self.t("year.reminded", name=row.name)
            self.message.color = ft.Colors.PRIMARY
            self.message.update()

        return remind

    # --- the wheel: twelve months ----------------------------------------------------------

    def wheel(self, planned: dict[int, int]) -> ft.Control:
        t = self.t
        highest = max(planned.values(), default=0) or 1
        columns: list[ft.Control] = []
        for month in range(1, 13):
            count = planned.get(month, 0)
            name = t(f"month.{month}")
            columns.append(ft.Container(
                ft.Column([
                    ft.Text(str(count) if count else "", size=11),
                    ft.Container(height=4 + 60 * count / highest, width=18,
                                 bgcolor=ft.Colors.PRIMARY if count else
                                 ft.Colors.SURFACE_CONTAINER_HIGHEST,
                                 border_radius=ft.BorderRadius.all(4)),
                    ft.Text(name[:3], size=11),
                ], horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=2,
                    alignment=ft.MainAxisAlignment.END),
                tooltip=t("year.month_count", month=name, count=count), expand=True,
                height=100))
        return ft.Column([
            ft.Text(t("year.wheel"), theme_style=ft.TextThemeStyle.TITLE_LARGE),
            ft.Row(columns, spacing=2, vertical_alignment=ft.CrossAxisAlignment.END),
        ])

    def per_month(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for conversation in self.office.conversations():
            if conversation.planned_at and conversation.planned_at.year == self.year:
                month = conversation.planned_at.month
                counts[month] = counts.get(month, 0) + 1
        return counts

    # --- planning the year in bulk -----------------------------------------------------------

    def planner(self) -> list[ft.Control]:
        t = self.t
        if self.window is None:
            return self.no_room()
        show = ft.OutlinedButton(t("year.preview"), icon=ft.Icons.PREVIEW,
                                 on_click=self.show_preview)
        parts: list[ft.Control] = [
            ft.Text(t("year.plan"), theme_style=ft.TextThemeStyle.TITLE_LARGE),
            ft.Text(t("year.plan_help")),
            named(self.kind), ft.Row([self.start, self.end], spacing=8), self.per_day, self.busy,
            show, self.plan_message,
        ]
        if self.preview:
            names = {m.id: m.name for m in self.office.led()}
            parts.append(ft.Text(t("year.proposal", count=len(self.preview)),
                                 weight=ft.FontWeight.W_500))
            parts.extend(ft.Text(f"{when(slot.day, t)}: " + ", ".join(
                names.get(p, "?") for p in slot.person_ids)) for slot in self.preview)
            confirm = ft.FilledButton(t("year.plan_all", count=len(self.preview)),
                                      icon=ft.Icons.EVENT_AVAILABLE)

            async def plan_all() -> None:
                await self.plan_all(confirm)

            confirm.on_click = plan_all
            parts.append(confirm)
        return parts

    def no_room(self) -> list[ft.Control]:
        """This year has no period left to plan in: say so, and offer the next."""
        t = self.t
        later = self.year + 1
        past = self.year < self.session.today().year
        parts: list[ft.Control] = [
            ft.Text(t("year.plan"), theme_style=ft.TextThemeStyle.TITLE_LARGE),
            ft.Text(t("year.past", year=self.year) if past
                    else t("year.no_room", year=self.year, next=later)),
        ]
        if not past:
            label = t("year.plan_next", year=later)

            async def following() -> None:
                await show_year(self.shell, later)

            parts.append(ft.OutlinedButton(label, icon=ft.Icons.CHEVRON_RIGHT,
                                           on_click=following))
        return parts

    def proposal(self) -> list[Slot]:
        kind = Kind(self.kind.value or Kind.MUS.value)
        start = parse_date(self.start.value or "")
        end = parse_date(self.end.value or "")
        if start is None or end is None:
            raise InputRejected("error.date_required")
        if start < self.session.today():
            raise InputRejected("error.date_past", date=start.isoformat())
        try:
            per_day = int((self.per_day.value or "").strip())
        except ValueError as err:
            raise InputRejected("error.per_day", min=1) from err
        people = [m.id for m in self.office.led()]
        if not people:
            raise InputRejected("error.participants_required")
        return plan_year(people, kind, year=self.year, window=(start, end), per_day=per_day,
                         busy=parse_activities(self.busy.value or ""), team=kind.is_team,
                         holidays=danish_holidays(self.year))

    async def show_preview(self) -> None:
        try:
            self.preview = self.proposal()
        except InputRejected as err:
            self.preview = []
            self.plan_message.value = describe(err, self.t)
        else:
            self.plan_message.value = ""
        await self.render()

    async def plan_all(self, button: ft.FilledButton) -> None:
        kind = Kind(self.kind.value or Kind.MUS.value)
        slots = [(slot.person_ids, slot.day) for slot in self.preview]
        with busy(button):
            try:
                planned = await asyncio.to_thread(self.office.plan_many, kind, slots)
            except (InputRejected, StorageError) as err:
                self.plan_message.value = describe(err, self.t)
                return
        self.preview = []
        self.shell.sync_soon()
        self.message.value = self.t("year.planned", count=len(planned))
        self.message.color = ft.Colors.PRIMARY
        await self.load()
        await self.render()

    # --- exports ------------------------------------------------------------------------------

    def csv(self) -> bytes:
        t = self.t
        headings = {column: t(f"board.col.{column}") for column in BOARD_COLUMNS}
        names = {state: t(f"board.{state.value}") for state in BoardState}
        return board_csv(self.rows, headings, names).encode("utf-8")

    def pdf(self) -> bytes:
        t = self.t
        headings = [t(f"board.col.{column}") for column in BOARD_COLUMNS]
        rows = [[row.name, t(f"board.{row.state.value}"),
                 t(f"kind.{row.kind.value}") if row.kind else "", when(row.planned_at, t),
                 when(row.follow_up_due, t)] for row in self.rows]
        return table_document(t("year.pdf_title", year=self.year), self.office.me().name,
                              headings, rows, t.lang)

    def calendar(self) -> bytes:
        meetings = self.session.meetings
        files = []
        coming = (State.PLANNED, State.INVITED, State.PREPARING)
        for planned in self.office.conversations():
            if planned.planned_at is None or planned.planned_at.year != self.year or \
                    planned.state not in coming:
                continue
            conversation = meetings.conversation(planned.id)
            sheet = self.session.library.sheets.get(conversation.sheet_id)
            title = self.t.localize(sheet.title) if sheet else ""
            files.append(invitation_ics(conversation, meetings.names(conversation), title,
                                        lang=self.t.lang, now=self.session.clock.now()))
        if not files:
            raise InputRejected("error.nothing_planned")
        return combined_ics(files)

    def exports(self) -> list[ft.Control]:
        t = self.t
        stem = f"aarsplan-{self.year}"
        return [ft.Row([
            export_button(self.shell, t("year.csv"), ft.Icons.TABLE_VIEW, f"{stem}.csv",
                          self.csv, self.message),
            export_button(self.shell, t("year.pdf"), ft.Icons.PICTURE_AS_PDF, f"{stem}.pdf",
                          self.pdf, self.message),
            export_button(self.shell, t("year.ics"), ft.Icons.EVENT, f"{stem}.ics",
                          self.calendar, self.message),
        ], wrap=True, spacing=8, run_spacing=8)]

    def coverage(self) -> list[ft.Control]:
        counts = self.office.coverage(self.year)
        if not counts:
            return []
        members = self.office.members()
        parts: list[ft.Control] = [ft.Text(self.t("year.coverage"),
                                           theme_style=ft.TextThemeStyle.TITLE_LARGE)]
        for leader, (done, led) in sorted(counts.items(),
                                          key=lambda item: members[item[0]].name):
            parts.append(ft.ListTile(title=ft.Text(members[leader].name), subtitle=ft.Text(
                self.t("overview.coverage", done=done, led=led))))
        return parts

    # --- the screen ---------------------------------------------------------------------------

    async def render(self) -> None:
        t = self.t
        planned = await asyncio.to_thread(self.per_month)
        coverage = await asyncio.to_thread(self.coverage)

        async def go(year: int) -> None:
            await show_year(self.shell, year)

        header = year_switcher(t, self.year, go)
        body: list[ft.Control] = [
            self.shell.new_sync_bar(), header, self.message, *self.board(), *self.exports(),
            ft.Divider(), self.wheel(planned), ft.Divider(), *self.planner(), *coverage,
        ]
        self.shell.show(page_column(body), back_bar(self.shell, t("year.title")))


async def show_year(shell: Shell, year: int | None = None, notice: str = "") -> None:
    screen = YearScreen(shell, year or shell.session.today().year, notice)
    try:
        await screen.load()
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, shell.session.texts))
        return
    await screen.render()
