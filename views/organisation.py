"""The organisation: which one this profile trusts, asking to join, and HR's decisions
(who joins, and removing someone who left)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.model import InputRejected
from storage import StorageError
from sync.share import SyncError
from views.common import busy, describe, icon_button, named, page_column, said

if TYPE_CHECKING:
    from views.shell import Shell


async def show_organisation(shell: Shell, notice: str = "") -> None:
    session, t = shell.session, shell.session.texts
    pinned = await asyncio.to_thread(session.organisation)
    message = ft.Text(notice, color=ft.Colors.PRIMARY)
    body: list[ft.Control] = [message]
    if pinned is None:
        body.extend(await find_part(shell, message))
    else:
        body.append(ft.Text(t("org.trusted", name=pinned["name"]),
                            theme_style=ft.TextThemeStyle.TITLE_MEDIUM))
        fingerprint = t("org.fingerprint", fingerprint=pinned["fingerprint"])
        body.append(ft.Text(fingerprint, selectable=True, semantics_label=fingerprint))
        body.append(ft.Text(t("org.directory", version=session.directory.version,
                              count=len(session.directory.members))))
        if not pinned.get("listed"):
            body.append(ft.Text(t("org.waiting"), color=ft.Colors.ON_SURFACE_VARIANT))
    body.extend(await requests_part(shell, message))
    if pinned is not None and await asyncio.to_thread(session.keeps_organisation):
        body.extend(leavers_part(shell, message))
    shell.show(
        page_column(body),
        ft.AppBar(
            leading=icon_button(ft.Icons.ARROW_BACK, t("common.back"), on_click=shell.go_home),
            title=ft.Text(t("org.title")),
        ),
    )


def leavers_part(shell: Shell, message: ft.Text) -> list[ft.Control]:
    """For HR: find a person by name and remove someone who left the organisation."""
    session, t = shell.session, shell.session.texts
    search = ft.TextField(label=t("org.find_member"), prefix_icon=ft.Icons.SEARCH)
    found = ft.Column([], spacing=8)

    def remove(member: Any) -> Callable[[], Awaitable[None]]:
        async def open_dialog() -> None:
            yes = ft.FilledButton(content=said(t("org.remove_yes"),
                                               t("org.remove_named", name=member.name)),
                                  icon=ft.Icons.PERSON_REMOVE)

            async def confirmed() -> None:
                with busy(yes):
                    try:
                        await asyncio.to_thread(session.remove_member, member.id)
                    except (InputRejected, StorageError, SyncError) as err:
                        shell.page.pop_dialog()
                        message.value, message.color = describe(err, t), ft.Colors.ERROR
                        message.update()
                        return
                shell.page.pop_dialog()
                await shell.go(show_organisation, t("org.removed", name=member.name))

            async def cancel() -> None:
                shell.page.pop_dialog()

            yes.on_click = confirmed
            shell.page.show_dialog(ft.AlertDialog(
                title=ft.Text(t("org.remove_title", name=member.name)),
                content=ft.Container(ft.Text(t("org.remove_body", name=member.name)),
                                     width=380),
                actions=[ft.TextButton(t("common.cancel"), on_click=cancel), yes],
            ))

        return open_dialog

    def look(e: Any = None) -> None:
        members = session.members_matching(search.value or "")
        me = session.current_person().id
        found.controls = [
            ft.Row([
                ft.Text(" · ".join(x for x in (m.name, m.unit) if x), expand=True),
                ft.OutlinedButton(content=said(t("org.remove"),
                                               t("org.remove_named", name=m.name)),
                                  icon=ft.Icons.PERSON_REMOVE, on_click=remove(m)),
            ]) for m in members if m.id != me
        ] or ([ft.Text(t("org.no_member_found"))] if (search.value or "").strip() else [])
        found.update()

    search.on_change = look
    return [ft.Divider(), ft.Text(t("org.leavers"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
            ft.Text(t("org.leavers_help")), search, found]


async def find_part(shell: Shell, message: ft.Text) -> list[ft.Control]:
    t = shell.session.texts
    found = ft.Column([])
    look = ft.FilledButton(t("org.find"), icon=ft.Icons.TRAVEL_EXPLORE)

    async def find() -> None:
        if look.disabled:
            return
        with busy(look):
            try:
                card = await asyncio.to_thread(shell.session.find_organisation)
            except (InputRejected, StorageError, SyncError) as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
            found.controls = join_form(shell, card, message)

    look.on_click = find
    return [ft.Text(t("org.none")), look, found]


def join_form(shell: Shell, card: Any, message: ft.Text) -> list[ft.Control]:
    t = shell.session.texts
    unit = ft.TextField(label=t("org.unit"))
    team = ft.TextField(label=t("org.team"))
    ask = ft.FilledButton(t("org.request"), icon=ft.Icons.SEND)

    async def request() -> None:
        if ask.disabled:
            return
        with busy(ask):
            try:
                await asyncio.to_thread(shell.session.request_to_join, card, unit.value or "",
                                        team.value or "")
            except (InputRejected, StorageError, SyncError) as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
        await shell.go(show_organisation, t("org.requested"))

    ask.on_click = request
    return [
        ft.Text(t("org.found", name=card.name), theme_style=ft.TextThemeStyle.TITLE_MEDIUM),
        ft.Text(compare := t("org.compare", fingerprint=card.fingerprint), selectable=True,
                semantics_label=compare),
        unit,
        team,
        ask,
    ]


async def requests_part(shell: Shell, message: ft.Text) -> list[ft.Control]:
    session, t = shell.session, shell.session.texts
    try:
        requests = await asyncio.to_thread(session.join_requests)
    except (StorageError, SyncError) as err:
        return [ft.Text(t("org.requests_unreadable", reason=describe(err, t)),
                        color=ft.Colors.ERROR)]
    if not requests:
        return []
    parts: list[ft.Control] = [ft.Divider(), ft.Text(t("org.requests", count=len(requests)),
                                                     theme_style=ft.TextThemeStyle.TITLE_MEDIUM)]
    for request in requests:
        claim = request.claim
        details = " · ".join(x for x in (claim.unit, claim.team) if x)
        buttons: list[ft.Control] = []

        same_as = same_as_choice(shell, request)

        def decide(request: Any, approve: bool, name: str, buttons: list[ft.Control],
                   same_as: ft.Dropdown | None = same_as) -> Any:
            async def handler() -> None:
                with busy(*buttons):
                    try:
                        member = same_as.value if same_as is not None else None
                        if approve and member:
                            await asyncio.to_thread(session.devices.approve_as, request,
                                                    member)
                        else:
                            await asyncio.to_thread(session.decide_join, request, approve)
                    except (InputRejected, StorageError, SyncError) as err:
                        message.value, message.color = describe(err, t), ft.Colors.ERROR
                        return
                done = t("org.approved" if approve else "org.refused", name=name)
                await shell.go(show_organisation, done)

            return handler

        buttons.extend([
            ft.FilledButton(said(t("org.approve"), t("org.approve_named", name=claim.name)),
                            icon=ft.Icons.CHECK,
                            on_click=decide(request, True, claim.name, buttons)),
            ft.OutlinedButton(said(t("org.refuse"), t("org.refuse_named", name=claim.name)),
                              icon=ft.Icons.CLOSE,
                              on_click=decide(request, False, claim.name, buttons)),
        ])
        parts.append(ft.Card(ft.Container(ft.Column([
            ft.Text(claim.name, weight=ft.FontWeight.BOLD),
            ft.Text(details or t("org.no_details")),
            ft.Text(t("org.person_key", fingerprint=session.fingerprint_of(request)), size=12),
            *new_keys_warning(shell, request, same_as),
            ft.Row(buttons, wrap=True),
        ]), padding=12)))
    return parts


def new_keys_warning(shell: Shell, request: Any, same_as: ft.Dropdown | None,
                     ) -> list[ft.Control]:
    """What approving a request for a member who has keys already does: it replaces
    them and shuts out the person's other devices — said plainly before HR approves."""
    t = shell.session.texts
    name = request.claim.name
    if request.rekey is not None:
        return [ft.Text(t("org.rekey", name=name, count=len(request.rekey.lost))),
                warning(t("org.replaces", name=name))]
    if request.replaces is not None:
        return [warning(t("org.replaces", name=request.replaces.name))]
    if same_as is None:
        return []
    shown = warning("")
    shown.visible = False

    def chosen(e: ft.Event[ft.Dropdown]) -> None:
        member = shell.session.directory.member(e.control.value or "")
        shown.visible = member is not None
        if member is not None:
            text = shown.content
            if isinstance(text, ft.Text):
                text.value = t("org.same_as_warning", name=member.name)

    same_as.on_select = chosen
    return [named(same_as), shown]


def warning(text: str) -> ft.Container:
    return ft.Container(ft.Text(text, color=ft.Colors.ON_ERROR_CONTAINER), padding=12,
                        border_radius=ft.BorderRadius.all(8),
                        bgcolor=ft.Colors.ERROR_CONTAINER)


def same_as_choice(shell: Shell, request: Any) -> ft.Dropdown | None:
    """For a request from someone new: HR may approve it as new keys for a member who
    lost their only device."""
    if request.rekey is not None or request.replaces is not None:
        return None
    t = shell.session.texts
    members = sorted(shell.session.directory.members.values(), key=lambda m: m.name)
    return ft.Dropdown(
        label=t("org.same_as"), value="",
        options=[ft.DropdownOption(key="", text=t("org.same_as_none")),
                 *(ft.DropdownOption(key=m.id, text=m.name) for m in members)],
    )
