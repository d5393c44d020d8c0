"""The competence overview for HR and leaders: a heatmap of mean levels against the
job profile per organisation, unit, team or person, and the course demand it shows.

Everything comes from services.office in a worker thread; this screen only maps the
numbers to colours and texts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import flet as ft
from babel.numbers import format_decimal

from conversations.competence import Competence, JobProfile
from conversations.courses import Demand
from conversations.directory import Member
from conversations.model import InputRejected
from conversations.overview import Cell, Grouping, Rating, heat
from storage import StorageError
from views.common import describe, page_column
from views.shell import Route
from views.theme import HEAT, HEAT_TEXT
from views.widgets import back_bar

if TYPE_CHECKING:
    from resources.texts import Texts
    from views.shell import Shell

HEAT_COLOURS: Mapping[str, str] = HEAT
NAME_WIDTH = 132
CELL_WIDTH = 92
CELL_HEIGHT = 44
TOP_DEMAND = 8
YEARS_BACK = 2


def decimal(value: float, t: Texts) -> str:
    return format_decimal(value, format="0.0", locale=t.lang)


def grouping_labels(t: Texts) -> dict[Grouping, str]:
    return {
        Grouping.ORGANISATION: t("heat.by_organisation"),
        Grouping.UNIT: t("heat.by_unit"),
        Grouping.TEAM: t("heat.by_team"),
        Grouping.INDIVIDUAL: t("heat.by_person"),
    }


def legend_labels(t: Texts) -> dict[str, str]:
    return {
        "ok": t("heat.legend_ok"),
        "small": t("heat.legend_small"),
        "medium": t("heat.legend_medium"),
        "large": t("heat.legend_large"),
        "none": t("heat.legend_none"),
    }


def group_label(key: str, grouping: Grouping, members: Mapping[str, Member], t: Texts) -> str:
    if grouping is Grouping.ORGANISATION:
        return t("heat.whole_organisation")
    if grouping is Grouping.INDIVIDUAL:
        member = members.get(key)
        return member.name if member else "?"
    if not key:
        return t("heat.no_unit") if grouping is Grouping.UNIT else t("heat.no_team")
    return key


def chosen_profile(profiles: Mapping[str, JobProfile], members: Mapping[str, Member],
                   ratings: Sequence[Rating], year: int) -> str | None:
    """The job profile most of the rated people hold (their competences are the
    columns), or the first profile when nobody is rated yet."""
    people = {r.person_id for r in ratings if r.year == year}
    counts: dict[str, int] = {}
    for person in people:
        member = members.get(person)
        profile = member.job_profile if member is not None else None
        if profile is not None and profile in profiles:
            counts[profile] = counts.get(profile, 0) + 1
    if counts:
        return max(sorted(counts), key=lambda p: counts[p])
    return next(iter(profiles), None)


class Loaded:
    """What the screen needs, read in one worker thread."""

    def __init__(self, shell: Shell, grouping: Grouping, year: int | None,
                 this_year: int) -> None:
        office = shell.session.office
        self.hr = office.is_hr()
        self.allowed = self.hr or office.is_leader()
        self.members = office.members()
        self.profiles = office.profiles()
        self.ratings: Sequence[Rating] = office.ratings() if self.allowed else []
        if year is None:
            # The newest year with ratings, so the map is not empty early in a year.
            rated = {r.year for r in self.ratings}
            # Next year counts too: a MUS planned for January is often prepared and
            # shared in December, and its ratings belong to January's year.
            year = next((y for y in range(this_year + 1, this_year - YEARS_BACK - 1, -1)
                         if y in rated), this_year)
        self.year = year
        self.cells = office.overview(grouping, year, self.ratings) if self.allowed else {}
        self.demand: list[Demand] = office.demand(year) if self.allowed else []
        self.names = {d.competence_id: office.competence_name(d.competence_id)
                      for d in self.demand}


async def show_competences(shell: Shell, grouping: str = "team", year: int | None = None,
                           profile_id: str | None = None) -> None:
    """The heatmap: rows are groups, columns the job profile's competences."""
    session, t = shell.session, shell.session.texts
    this_year = session.today().year
    try:
        grouped = Grouping(grouping)
    except ValueError:
        grouped = Grouping.TEAM
    try:
        data = await asyncio.to_thread(Loaded, shell, grouped, year, this_year)
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, t))
        return
    title = t("heat.title")
    year = data.year
    if not data.allowed:
        shell.show(page_column([ft.Text(t("heat.not_for_you"))]), back_bar(shell, title))
        return
    if profile_id not in data.profiles:
        profile_id = chosen_profile(data.profiles, data.members, data.ratings, year)

    def again(**change: object) -> Callable[[], Awaitable[None]]:
        args = {"grouping": grouped.value, "year": year, "profile_id": profile_id, **change}

        async def go() -> None:
            await shell.go(show_competences, args["grouping"], args["year"],
                           args["profile_id"])

        return go

    def chips(options: Sequence[tuple[object, str]], current: object, key: str) -> ft.Row:
        return ft.Row([
            ft.Chip(label=ft.Text(label), selected=value == current, show_checkmark=False,
                    on_select=again(**{key: value}))
            for value, label in options], wrap=True, spacing=6, run_spacing=6)

    years = sorted({this_year - back for back in range(-1, YEARS_BACK + 1)} | {year},
                   reverse=True)
    body: list[ft.Control] = [
        chips([(g.value, label) for g, label in grouping_labels(t).items()], grouped.value,
              "grouping"),
        chips([(y, str(y)) for y in years], year, "year"),
    ]
    if len(data.profiles) > 1:
        body.append(chips([(pid, t.localize(p.title)) for pid, p in data.profiles.items()],
                          profile_id, "profile_id"))
    profile = data.profiles.get(profile_id or "")
    competences = [c for c in profile.competences] if profile else []
    shown = {key: row for key, row in data.cells.items()
             if any(c.id in row for c in competences)}
    if not shown:
        body.append(ft.Container(ft.Text(t("heat.empty", year=year)), padding=12,
                                 border_radius=ft.BorderRadius.all(8),
                                 bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST))
    else:
        body += [heatmap(shell, grouped, shown, competences, data, t), legend(t)]
    body += demand_section(shell, data, t)
    body.append(ft.Row([ft.OutlinedButton(
        t("heat.catalogue"), icon=ft.Icons.SCHOOL, tooltip=t("heat.catalogue"),
        on_click=open_catalogue(shell))]))
    shell.show(page_column(body), back_bar(shell, title))


def open_catalogue(shell: Shell) -> Callable[[], Awaitable[None]]:
    async def go() -> None:
        await shell.go(Route.COURSES, "")

    return go


def new_course(shell: Shell, competence_id: str) -> Callable[[], Awaitable[None]]:
    async def go() -> None:
        await shell.go(Route.NEW_COURSE, competence_id)

    return go


def heatmap(shell: Shell, grouping: Grouping, cells: Mapping[str, Mapping[str, Cell]],  # noqa: PLR0917
            competences: Sequence[Competence], data: Loaded, t: Texts) -> ft.Control:
    """Scrolls sideways on a phone; the numbers stay readable without the colours."""
    labels = {key: group_label(key, grouping, data.members, t) for key in cells}
    header: list[ft.Control] = [ft.Container(width=NAME_WIDTH)]
    for competence in competences:
        name = t.localize(competence.name)
        long = t.localize(competence.description)
        header.append(ft.Container(
            ft.Text(name, size=11, max_lines=3, overflow=ft.TextOverflow.ELLIPSIS,
                    text_align=ft.TextAlign.CENTER),
            width=CELL_WIDTH, height=52, alignment=ft.Alignment.BOTTOM_CENTER,
            tooltip=f"{name}: {long}" if long else name))
    rows: list[ft.Control] = [ft.Row(header, spacing=4, wrap=False)]
    for key in sorted(cells, key=lambda k: labels[k].casefold()):
        label = labels[key]
        row: list[ft.Control] = [ft.Container(
            ft.Text(label, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS,
                    weight=ft.FontWeight.W_500),
            width=NAME_WIDTH, height=CELL_HEIGHT, alignment=ft.Alignment.CENTER_LEFT,
            tooltip=label)]
        for competence in competences:
            row.append(heat_cell(shell, cells[key].get(competence.id), competence, label,
                                 data.hr, t))
        rows.append(ft.Row(row, spacing=4, wrap=False))
    return ft.Row([ft.Column(rows, spacing=4)], scroll=ft.ScrollMode.AUTO)


def heat_cell(shell: Shell, cell: Cell | None, competence: Competence, group: str,  # noqa: PLR0917
              can_create: bool, t: Texts) -> ft.Control:
    name = t.localize(competence.name)
    if cell is None or cell.mean is None:
        bucket, shown = "none", "–"
        tip = t("heat.cell_empty", competence=name, group=group)
    else:
        bucket, shown = heat(cell.gap), decimal(cell.mean, t)
        tip = t("heat.cell", competence=name, group=group, mean=shown,
                expected=int(competence.expected), count=cell.count)
    gap = cell.gap if cell is not None else None
    clickable = can_create and gap is not None and gap > 0
    if clickable:
        tip = f"{tip}. {t('heat.tap_for_course')}"
    return ft.Container(
        ft.Text(shown, weight=ft.FontWeight.BOLD, color=HEAT_TEXT),
        width=CELL_WIDTH, height=CELL_HEIGHT, alignment=ft.Alignment.CENTER,
        bgcolor=HEAT_COLOURS[bucket], border_radius=ft.BorderRadius.all(6),
        tooltip=tip, on_click=new_course(shell, competence.id) if clickable else None,
        data=competence.id)


def legend(t: Texts) -> ft.Control:
    items: list[ft.Control] = []
    for bucket, label in legend_labels(t).items():
        items.append(ft.Row([
            ft.Container(width=16, height=16, bgcolor=HEAT_COLOURS[bucket],
                         border_radius=ft.BorderRadius.all(3)),
            ft.Text(label, size=12),
        ], spacing=4, tight=True))
    return ft.Column([
        ft.Row(items, wrap=True, spacing=12, run_spacing=4),
        ft.Text(t("heat.legend_help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
    ], spacing=4)


def demand_section(shell: Shell, data: Loaded, t: Texts) -> list[ft.Control]:
    controls: list[ft.Control] = [
        ft.Text(t("heat.demand"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM)]
    if not data.demand:
        controls.append(ft.Text(t("heat.demand_empty")))
        return controls
    for demand in data.demand[:TOP_DEMAND]:
        name = data.names.get(demand.competence_id, demand.competence_id)
        detail = t("heat.demand_detail", count=demand.people, gaps=demand.from_gaps,
                   goals=demand.from_goals)
        tile = ft.ListTile(
            leading=ft.Icon(ft.Icons.GROUPS),
            title=ft.Text(name), subtitle=ft.Text(detail), dense=True,
            trailing=ft.Icon(ft.Icons.ADD) if data.hr else None,
            tooltip=t("heat.demand_create", competence=name) if data.hr else f"{name}: {detail}",
            on_click=new_course(shell, demand.competence_id) if data.hr else None)
        controls.append(tile)
    return controls
