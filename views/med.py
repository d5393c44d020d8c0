"""MED's anonymous competence trends: per competence, the organisation, each unit and
each team, how many people rated it and their mean level. A number is only ever shown
when at least the policy's minimum group (never below five) stands behind it, and some
are hidden besides so a small group cannot be worked out by subtraction."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft
from babel.numbers import format_decimal

from conversations.model import InputRejected
from conversations.trends import MIN_GROUP, TrendCell
from storage import StorageError
from views.common import describe, named, page_column
from views.widgets import back_bar

if TYPE_CHECKING:
    from views.shell import Shell

YEARS_SHOWN = 3


def years_offered(this_year: int) -> list[int]:
    """Next year (conversations planned for it are prepared, and rated, in December),
    this year and the two before it, newest first."""
    return [this_year - n for n in range(-1, YEARS_SHOWN)]


def by_competence(cells: list[TrendCell]) -> dict[str, list[TrendCell]]:
    """The cells per competence, in the order they came (organisation, units, teams)."""
    grouped: dict[str, list[TrendCell]] = {}
    for cell in cells:
        grouped.setdefault(cell.competence_id, []).append(cell)
    return grouped


async def show_med(shell: Shell, year: int | None = None) -> None:
    session, t = shell.session, shell.session.texts
    office = session.office
    this_year = session.today().year
    chosen = year if year in years_offered(this_year) else this_year
    title = t("med.title")
    if not office.is_med():
        shell.show(page_column([ft.Text(t("med.not_allowed"))]), back_bar(shell, title))
        return
    minimum = max(session.directory.policy.med_min_group, MIN_GROUP)
    try:
        cells = await asyncio.to_thread(office.med, chosen)
    except (InputRejected, StorageError) as err:
        shell.show(page_column([ft.Text(describe(err, t), color=ft.Colors.ERROR)]),
                   back_bar(shell, title))
        return

    async def pick() -> None:
        value = year_choice.value
        if value and value.isdigit() and int(value) != chosen:
            await shell.go(show_med, int(value))

    year_choice = ft.Dropdown(
        label=t("med.year"), value=str(chosen), width=200, on_select=pick,
        options=[ft.DropdownOption(key=str(y), text=str(y)) for y in years_offered(this_year)],
    )
    body: list[ft.Control] = [
        ft.Text(t("med.heading", year=chosen), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Text(t("med.explain", min=minimum)),
        named(year_choice),
    ]
    grouped = by_competence(cells)
    if not grouped:
        body.append(ft.Text(t("med.none", year=chosen)))
    elif all(cell.count is None for cell in cells):
        # Every number hidden looks like a fault unless the screen says why (the demo's
        # team of four is such a case): no group has enough people behind it yet.
        body.insert(1, ft.Container(
            ft.Row([ft.Icon(ft.Icons.INFO_OUTLINE, color=ft.Colors.ON_SECONDARY_CONTAINER),
                    ft.Text(t("med.all_hidden", min=minimum, year=chosen), expand=True,
                            color=ft.Colors.ON_SECONDARY_CONTAINER)],
                   vertical_alignment=ft.CrossAxisAlignment.START),
            padding=12, border_radius=ft.BorderRadius.all(8),
            bgcolor=ft.Colors.SECONDARY_CONTAINER))
    for competence_id, rows in grouped.items():
        body.append(_competence_card(shell, office.competence_name(competence_id), rows,
                                     minimum))
    shell.show(page_column(body), back_bar(shell, title))


def _competence_card(shell: Shell, name: str, rows: list[TrendCell],
                     minimum: int) -> ft.Control:
    t = shell.session.texts
    header = ft.Row([
        ft.Text(t("med.group"), weight=ft.FontWeight.W_500, expand=True),
        ft.Text(t("med.people"), weight=ft.FontWeight.W_500, width=80),
        ft.Text(t("med.mean"), weight=ft.FontWeight.W_500, width=110),
    ])
    lines: list[ft.Control] = [ft.Text(name, theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
                               header]
    for cell in rows:
        if not cell.unit and not cell.team:
            label, indent = t("med.organisation"), 0
        elif cell.team:
            label, indent = cell.team, 32
        else:
            label, indent = cell.unit, 16
        if cell.count is None or cell.mean is None:
            values: list[ft.Control] = [ft.Text(t("med.hidden", min=minimum),
                                                color=ft.Colors.ON_SURFACE_VARIANT,
                                                width=190, italic=True)]
        else:
            values = [
                ft.Text(str(cell.count), width=80),
                ft.Text(format_decimal(cell.mean, format="0.0", locale=t.lang), width=110),
            ]
        lines.append(ft.Row([
            ft.Container(ft.Text(label), padding=ft.Padding.only(left=indent), expand=True),
            *values,
        ]))
    return ft.Card(ft.Container(ft.Column(lines, spacing=6), padding=12))
