"""The course catalogue: every member reads it, HR adds to it.

The catalogue travels to every device with the next sync (see services.office); the form
here only collects what HR types and leaves every rule (title, competences, dates from
today, seats) to the domain, showing its refusal in the person's language."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

import flet as ft

from conversations.competence import Level
from conversations.courses import Course, Delivery
from conversations.model import InputRejected
from storage import StorageError
from views.common import busy, describe, named, page_column, when
from views.widgets import back_bar, parse_date

if TYPE_CHECKING:
    from resources.texts import Texts
    from views.shell import Shell


def parse_dates(text: str) -> list[dt.date]:
    """``12-01-2027, 19-01-2027``: commas or semicolons between dates; empty is none."""
    days = []
    for part in text.replace(";", ",").split(","):
        day = parse_date(part)
        if day is not None:
            days.append(day)
    return days


def parse_seats(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputRejected("error.course_seats")
    return int(text)


def course_card(course: Course, t: Texts, competence_name: dict[str, str],
                names: dict[str, str]) -> ft.Control:
    lines: list[ft.Control] = [
        ft.Text(course.title, theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(", ".join(competence_name.get(c, c) for c in course.competence_ids)),
    ]
    if course.delivery is Delivery.INTERNAL:
        who = t("course.internal")
        if course.teacher_id:
            who += " · " + t("course.teacher_is", name=names.get(course.teacher_id, "?"))
    else:
        who = t("course.external")
    if course.provider:
        who += " · " + t("course.provider_is", provider=course.provider)
    lines.append(ft.Text(who, color=ft.Colors.ON_SURFACE_VARIANT))
    if course.dates:
        lines.append(ft.Row([ft.Icon(ft.Icons.EVENT, size=18),
                             ft.Text(", ".join(when(d, t) for d in course.dates), expand=True)],
                            spacing=6))
    if course.seats is not None:
        lines.append(ft.Text(t("course.seats_count", seats=course.seats)))
    if course.description:
        lines.append(ft.Text(course.description))
    return ft.Card(ft.Container(ft.Column(lines, spacing=4), padding=12))


async def show_courses(shell: Shell, notice: str = "") -> None:
    """The catalogue; HR also gets the button for a new course."""
    session, t = shell.session, shell.session.texts
    office = session.office

    def load() -> tuple[list[Course], bool, dict[str, str], dict[str, str]]:
        courses = office.courses()
        ids = {c for course in courses for c in course.competence_ids}
        names = {m.id: m.name for m in office.members().values()}
        return courses, office.is_hr(), {c: office.competence_name(c) for c in ids}, names

    try:
        courses, hr, competence_name, names = await asyncio.to_thread(load)
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, t))
        return
    body: list[ft.Control] = [
        ft.Text(t("course.catalogue"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
    ]
    if notice:
        body.append(ft.Text(notice, color=ft.Colors.PRIMARY))
    if hr:
        body.append(ft.Row([ft.FilledButton(
            t("course.new"), icon=ft.Icons.ADD,
            on_click=shell.to(show_new_course, None))]))
    if not courses:
        body.append(ft.Text(t("course.empty")))
    for course in courses:
        body.append(course_card(course, t, competence_name, names))
        label = t("course.completed_button", title=course.title)
        # Named by its course: one "Jeg har gennemført kurset" per course could not be
        # told apart by a screen reader.
        body.append(ft.Row([ft.TextButton(label, icon=ft.Icons.TASK_ALT,
                                          on_click=shell.to(show_completion, course.id))],
                           wrap=True))
    catalogue = await asyncio.to_thread(office.competence_catalogue)
    body.append(ft.Text(t("course.competence_catalogue"),
                        theme_style=ft.TextThemeStyle.TITLE_LARGE))
    body.append(ft.Text(t("course.competence_catalogue_help"), size=12))
    if not catalogue:
        body.append(ft.Text(t("course.competence_catalogue_empty")))
    for competence, entries in catalogue.items():
        body.append(ft.ListTile(
            title=ft.Text(office.competence_name(competence)),
            subtitle=ft.Text(", ".join(f"{name} ({title})" for name, title in entries))))
    shell.show(page_column(body), back_bar(shell, t("course.catalogue")))


async def show_completion(shell: Shell, course_id: str) -> None:
    """I took this course: when, and whether colleagues may see it in the competence
    catalogue (never without my consent; I can take it back)."""
    session, t = shell.session, shell.session.texts
    office = session.office
    mine = next((c for c in await asyncio.to_thread(office.completions)
                 if c.course_id == course_id and c.person_id == session.current_person().id), None)
    day = ft.TextField(label=t("course.completed_on"), hint_text=t("new.date_hint"),
                       value=(mine.completed_on if mine else session.today()).strftime(
                           "%d-%m-%Y"))
    consent = ft.Checkbox(label=t("course.consent"),
                          value=mine.consent_to_publish if mine else False)
    error = ft.Text("", color=ft.Colors.ERROR)
    save = ft.FilledButton(t("course.completed_save"), icon=ft.Icons.SAVE)

    async def keep() -> None:
        try:
            on = parse_date(day.value or "")
            if on is None:
                raise InputRejected("error.date_required")
        except InputRejected as err:
            error.value = describe(err, t)
            return
        with busy(save):
            try:
                await asyncio.to_thread(office.complete, course_id, on, bool(consent.value))
            except (InputRejected, StorageError) as err:
                error.value = describe(err, t)
                return
        shell.sync_soon()
        await show_courses(shell, t("course.completed_saved"))

    save.on_click = keep
    shell.show(page_column([ft.Text(t("course.completed_help")), day, consent, save, error]),
               back_bar(shell, t("course.completed_title")))


async def show_new_course(shell: Shell, competence_id: str | None = None) -> None:
    """HR's form for a course, with ``competence_id`` ticked when given (from a gap in
    the competence overview)."""
    session, t = shell.session, shell.session.texts
    office = session.office

    def load() -> tuple[bool, list[tuple[str, list[tuple[str, str]]]], list[tuple[str, str]]]:
        profiles = office.profiles()
        seen: set[str] = set()
        groups = []
        # The profile with the competence asked about first, so its box is in sight.
        ordered = sorted(profiles.values(), key=lambda p: not any(
            c.id == competence_id for c in p.competences))
        for profile in ordered:
            items = []
            for competence in profile.competences:
                if competence.id not in seen:
                    seen.add(competence.id)
                    items.append((competence.id, t.localize(competence.name)))
            groups.append((t.localize(profile.title), items))
        best: dict[str, int] = {}
        if competence_id:
            for rating in office.ratings():
                if rating.competence_id == competence_id and not rating.by_leader:
                    best[rating.person_id] = max(best.get(rating.person_id, 0),
                                                 int(rating.level))
        members = sorted(office.members().values(),
                         key=lambda m: (-best.get(m.id, 0), m.name.casefold()))
        teachers = []
        for member in members:
            level = best.get(member.id, 0)
            label = member.name if not level else \
                f"{member.name} ({t(Level(level).text_key)})"
            teachers.append((member.id, label))
        return office.is_hr(), groups, teachers

    try:
        hr, groups, teachers = await asyncio.to_thread(load)
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, t))
        return
    if not hr:
        await shell.go(show_courses, t("error.hr_only"))
        return

    # Wraps rather than scrolls sideways, so the start of a long title stays in sight.
    title = ft.TextField(label=t("course.title"), multiline=True, min_lines=1, max_lines=3)
    boxes: dict[str, ft.Checkbox] = {}
    # Said right under the heading of the list it is about, not below twenty boxes.
    competence_error = ft.Text("", color=ft.Colors.ERROR, visible=False)
    competence_column: list[ft.Control] = [
        ft.Text(t("course.competences"), theme_style=ft.TextThemeStyle.TITLE_SMALL),
        competence_error]
    for heading, items in groups:
        competence_column.append(ft.Container(
            ft.Text(heading, weight=ft.FontWeight.W_500, color=ft.Colors.ON_SURFACE_VARIANT),
            padding=ft.Padding.only(top=8)))
        for cid, name in items:
            boxes[cid] = ft.Checkbox(label=name, value=cid == competence_id)
            competence_column.append(boxes[cid])
    teacher = ft.Dropdown(
        label=t("course.teacher"), expand=True,
        options=[ft.DropdownOption(key="", text=t("course.no_teacher"))]
        + [ft.DropdownOption(key=pid, text=label) for pid, label in teachers],
        value="")
    teacher_box = ft.Column([
        named(teacher),
        ft.Text(t("course.teacher_help"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
    ], spacing=4)

    async def delivery_changed() -> None:
        teacher_box.visible = delivery.value == Delivery.INTERNAL.value

    delivery = ft.RadioGroup(
        content=ft.Column([
            ft.Radio(value=Delivery.INTERNAL.value, label=t("course.internal_long")),
            ft.Radio(value=Delivery.EXTERNAL.value, label=t("course.external_long")),
        ], spacing=0),
        value=Delivery.INTERNAL.value, on_change=delivery_changed)
    provider = ft.TextField(label=t("course.provider"))
    dates = ft.TextField(label=t("course.dates"), hint_text=t("course.dates_hint"),
                         keyboard_type=ft.KeyboardType.DATETIME)
    seats = ft.TextField(label=t("course.seats"), keyboard_type=ft.KeyboardType.NUMBER)
    description = ft.TextField(label=t("course.description"), multiline=True, min_lines=3,
                               max_lines=8)
    message = ft.Text("", color=ft.Colors.ERROR)

    fields: dict[str, ft.TextField] = {"error.course_title": title, "error.bad_date": dates,
                                       "error.date_past": dates, "error.course_seats": seats}

    def point_out(err: InputRejected | StorageError) -> None:
        """The message beside what it is about, and again by the button."""
        text = describe(err, t)
        message.value = text
        key = getattr(err, "key", "")
        for field_key, field in fields.items():
            field.error = text if key == field_key else None
        competence_error.value = text
        competence_error.visible = key == "error.course_competences"

    async def create() -> None:
        internal = delivery.value != Delivery.EXTERNAL.value
        try:
            days = parse_dates(dates.value or "")
            places = parse_seats(seats.value or "")
        except InputRejected as err:
            point_out(err)
            return
        chosen = [cid for cid, box in boxes.items() if box.value]
        with busy(button):
            try:
                course = await asyncio.to_thread(
                    office.create_course, title.value or "", chosen,
                    Delivery.INTERNAL if internal else Delivery.EXTERNAL,
                    provider=provider.value or "",
                    teacher_id=(teacher.value or None) if internal else None,
                    dates=days, seats=places, description=description.value or "")
            except (InputRejected, StorageError) as err:
                point_out(err)
                return
        shell.sync_soon()
        await shell.go(show_courses, t("course.created", title=course.title))

    button = ft.FilledButton(t("course.create"), icon=ft.Icons.CHECK, on_click=create)
    body: list[ft.Control] = [
        title,
        ft.Column(competence_column, spacing=0),
        ft.Text(t("course.delivery"), theme_style=ft.TextThemeStyle.TITLE_SMALL),
        delivery, teacher_box, provider, dates, seats, description,
        message,
        ft.Row([button]),
    ]
    shell.show(page_column(body), back_bar(shell, t("course.new"), shell.to(show_courses, "")))
