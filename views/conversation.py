"""One conversation: its page (what it needs from me), the invitation, the agreement
with its signatures, and exporting documents from the device."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from conversations.agreements import AgreementStatus
from conversations.model import InputRejected, Kind, State, shared_by
from services.meeting import Meeting, file_stem
from storage import StorageError
from views.common import busy, describe, page_column, secret_field, symbol, when
from views.shell import Route
from views.widgets import back_bar, export_button, opened, sharing_text, title_of

if TYPE_CHECKING:
    from views.shell import Shell


async def show_conversation(shell: Shell, conversation_id: str, notice: str = "") -> None:
    """What this conversation needs from me, and everything I can do with it."""
    session, t = shell.session, shell.session.texts
    meetings = session.meetings
    meeting = await opened(shell, conversation_id)
    if meeting is None:
        return
    conversation = meeting.conversation
    names = meetings.names(conversation)
    leading = meetings.leading(conversation)
    me = session.current_person().id
    message = ft.Text(notice, color=ft.Colors.PRIMARY)
    facts = [
        (t("conv.when"), when(conversation.planned_at, t) or t("conv.no_date")),
        (t("conv.leader"), names.get(conversation.leader_id, "")),
        (t("conv.participants"), ", ".join(names.get(p, "") for p in
                                           conversation.participant_ids)),
        (t("conv.state"), t(f"state.{conversation.state.value}")),
    ]
    if leading and conversation.state in (State.PLANNED, State.INVITED, State.PREPARING):
        sharing = shared_by(conversation, meeting.preparations.values())
        facts.append((t("conv.preparations"), sharing_text(
            t, conversation.kind, [names.get(p, "?") for p in sharing],
            len(conversation.participant_ids))))
    if conversation.delegate_leader_id:
        facts.append((t("conv.delegate"), names.get(conversation.delegate_leader_id, "")))
    if conversation.companion_id:
        facts.append((t("conv.companion"), names.get(conversation.companion_id, "")))
    if conversation.follow_up_due:
        facts.append((t("conv.follow_up_due"), when(conversation.follow_up_due, t)))
    body: list[ft.Control] = [
        shell.new_sync_bar(),
        ft.Text(title_of(shell, meeting), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Column([ft.Row([ft.Text(label, weight=ft.FontWeight.W_500, width=150),
                           ft.Text(value, expand=True)], wrap=False)
                   for label, value in facts if value], spacing=4),
        message,
    ]
    actions: list[ft.Control] = []
    before = conversation.state in (State.PLANNED, State.INVITED, State.PREPARING)
    if before and conversation.kind is not Kind.FOLLOW_UP:
        actions.append(ft.FilledButton(
            t("conv.prepare"), icon=ft.Icons.EDIT_NOTE,
            on_click=shell.to(_prepare, conversation.id)))
    if leading and conversation.state is not State.CANCELLED:
        label = t("conv.hold") if before else t("conv.reopen")
        actions.append(ft.FilledButton(label, icon=ft.Icons.GROUPS,
                                       on_click=shell.to(_hold, conversation.id)))
        if before:
            actions.append(ft.OutlinedButton(
                t("conv.invitation"), icon=ft.Icons.MAIL,
                on_click=shell.to(show_invitation, conversation.id, ())))
    agreed = meeting.agreement is not None or conversation.state in (State.HELD, State.AGREED)
    if agreed and not conversation.kind.is_team:
        actions.append(ft.FilledButton(
            t("conv.agreement"), icon=ft.Icons.DRAW,
            on_click=shell.to(show_agreement, conversation.id)))
    if conversation.kind.is_team and meeting.plan is not None and meeting.saved_plan:
        actions.append(export_button(
            shell, t("conv.team_plan_pdf"), ft.Icons.PICTURE_AS_PDF,
            f"{file_stem(conversation)}-teamplan.pdf",
            lambda: meetings.team_plan_pdf(meeting), message))
    if conversation.state not in (State.PLANNED, State.INVITED, State.CANCELLED) or \
            me in meeting.preparations:
        actions.append(export_button(
            shell, t("conv.conversation_pdf"), ft.Icons.PICTURE_AS_PDF,
            f"{file_stem(conversation)}-samtale.pdf",
            lambda: meetings.conversation_pdf(meeting), message))
    body.append(ft.Row(actions, wrap=True, spacing=8, run_spacing=8))

    async def back() -> None:
        await asyncio.to_thread(meetings.close, conversation.id)
        await shell.home()

    shell.show(page_column(body), back_bar(shell, t(f"kind.{conversation.kind.value}"), back))


async def _prepare(shell: Shell, conversation_id: str) -> None:
    await shell.go(Route.PREPARE, conversation_id)


async def _hold(shell: Shell, conversation_id: str) -> None:
    await shell.go(Route.HOLD, conversation_id)


# --- the invitation --------------------------------------------------------------------


async def show_invitation(shell: Shell, conversation_id: str,
                          without_profile: tuple[str, ...]) -> None:
    session, t = shell.session, shell.session.texts
    meetings = session.meetings
    try:
        conversation = await asyncio.to_thread(meetings.conversation, conversation_id)
    except (InputRejected, StorageError) as err:
        await shell.home(notice=describe(err, t))
        return
    text = ft.TextField(label=t("invite.text"), value=meetings.invitation_text(conversation),
                        multiline=True, min_lines=8, max_lines=20)
    message = ft.Text("", color=ft.Colors.PRIMARY)
    stem = file_stem(conversation)

    def files() -> dict[str, bytes]:
        return meetings.invitation_files(conversation, text.value or "")

    def one(suffix: str) -> Callable[[], bytes]:
        def make() -> bytes:
            every = files()
            return next(data for name, data in every.items() if name.endswith(suffix))

        return make

    body: list[ft.Control] = [
        ft.Text(t("invite.title"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
        ft.Text(t("invite.help")),
    ]
    if without_profile:
        body.append(ft.Container(
            ft.Text(t("invite.without_profile", names=", ".join(without_profile))),
            padding=12, border_radius=ft.BorderRadius.all(8),
            bgcolor=ft.Colors.TERTIARY_CONTAINER))
    body += [
        text,
        ft.Row([
            export_button(shell, t("invite.save_text"), ft.Icons.DESCRIPTION,
                          f"{stem}-invitation.txt", one(".txt"), message),
            export_button(shell, t("invite.save_sheet"), ft.Icons.PICTURE_AS_PDF,
                          f"{stem}-spoergeskema.pdf", one(".pdf"), message),
            export_button(shell, t("invite.save_ics"), ft.Icons.EVENT,
                          f"{stem}.ics", one(".ics"), message),
        ], wrap=True, spacing=8, run_spacing=8),
        message,
        ft.FilledButton(t("invite.to_conversation"), icon=ft.Icons.ARROW_FORWARD,
                        on_click=shell.to(show_conversation, conversation_id, "")),
    ]
    shell.show(page_column(body), back_bar(shell, t("invite.title")))


# --- the agreement and its signatures ------------------------------------------------------


async def show_agreement(shell: Shell, conversation_id: str, notice: str = "") -> None:
    session, t = shell.session, shell.session.texts
    meetings = session.meetings
    meeting = await opened(shell, conversation_id)
    if meeting is None:
        return
    status, waiting, checks = await asyncio.to_thread(meetings.status, meeting)
    conversation = meeting.conversation
    names = meetings.names(conversation)
    me = session.current_person().id
    message = ft.Text(notice, color=ft.Colors.PRIMARY)
    body: list[ft.Control] = [
        shell.new_sync_bar(),
        ft.Text(t("agreement.title"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL),
    ]
    broken = [signer for signer, ok in checks.items() if not ok]
    if broken:
        body.append(ft.Container(
            ft.Row([ft.Icon(ft.Icons.GPP_BAD, color=ft.Colors.ERROR),
                    ft.Text(t("agreement.tampered", names=", ".join(
                        names.get(s, "?") for s in broken)), color=ft.Colors.ERROR,
                        expand=True, weight=ft.FontWeight.W_500)]),
            padding=12, border_radius=ft.BorderRadius.all(8),
            bgcolor=ft.Colors.ERROR_CONTAINER))
    status_text = {
        AgreementStatus.DRAFT: t("agreement.status.draft"),
        AgreementStatus.AWAITING: t("agreement.status.awaiting", names=", ".join(
            names.get(p, "?") for p in meeting.parties if p in waiting)),
        AgreementStatus.SIGNED: t("agreement.status.signed"),
    }[status]
    body.append(ft.Row([
        ft.Icon(ft.Icons.VERIFIED if status is AgreementStatus.SIGNED else ft.Icons.PENDING,
                color=ft.Colors.PRIMARY if status is AgreementStatus.SIGNED else None),
        ft.Text(status_text, weight=ft.FontWeight.W_500, expand=True),
    ]))
    if conversation.follow_up_due is not None:
        body.append(ft.Text(t("followup.due", date=when(conversation.follow_up_due, t))))
    agreement = meeting.agreement
    if agreement is None or not agreement.goals:
        body.append(ft.Text(t("agreement.no_goals")))
    else:
        for number, goal in enumerate(agreement.goals, 1):
            theme = next((th for th in meeting.sheet.themes if th.id == goal.theme_id), None)
            details = [
                t(f"doc.practice.{goal.practice_field.value}") if goal.practice_field else "",
                t("agreement.responsible", name=names.get(goal.responsible_id, "–")),
                t("agreement.deadline", date=when(goal.deadline, t) or "–"),
                t(f"doc.status.{goal.status.value}"),
            ]
            details.append(t("agreement.approved") if goal.approved_by_leader
                           else t("doc.goal.not_approved"))
            body.append(ft.Card(ft.Container(ft.Column([
                ft.Text(t("agreement.goal_number", number=number) + (
                    f" · {t.localize(theme.title)}" if theme else ""),
                    size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                ft.Text(goal.what, weight=ft.FontWeight.W_500),
                ft.Text(" · ".join(d for d in details if d), size=12),
            ], spacing=4), padding=12)))
    for signature in agreement.signatures if agreement else ():
        ok = checks.get(signature.signer_id)
        body.append(ft.Text(
            t("agreement.signed_by" if ok else "agreement.signature_invalid",
              name=names.get(signature.signer_id, "?"), when=when(signature.signed_at, t)),
            color=None if ok else ft.Colors.ERROR))
    months = ft.TextField(label=t("agreement.follow_up_months"),
                          value=str(meeting.follow_up_months), width=260,
                          keyboard_type=ft.KeyboardType.NUMBER)
    buttons: list[ft.Control] = []
    sign_button = ft.FilledButton(t("agreement.sign_as", name=names.get(me, "")),
                                  icon=ft.Icons.DRAW)

    def read_months() -> bool:
        try:
            value = int((months.value or "").strip())
        except ValueError:
            months.error = t("error.follow_up_months", min=1, max=24)
            return False
        if not 1 <= value <= 24:
            months.error = t("error.follow_up_months", min=1, max=24)
            return False
        months.error = None
        meeting.follow_up_months = value
        return True

    async def sign() -> None:
        if not read_months():
            months.update()
            return
        with busy(sign_button):
            try:
                await asyncio.to_thread(meetings.sign, conversation_id)
            except (InputRejected, StorageError) as err:
                message.value, message.color = describe(err, t), ft.Colors.ERROR
                return
        shell.sync_soon()
        await show_agreement(shell, conversation_id, t("agreement.you_signed"))

    sign_button.on_click = sign
    can_sign = agreement is not None and agreement.goals and not broken
    unapproved = [str(n) for n, g in enumerate(agreement.goals if agreement else (), 1)
                  if not g.approved_by_leader]
    if can_sign and unapproved and status is not AgreementStatus.SIGNED:
        # Signing waits for the leader's approval of every goal (conversations.agreements);
        # the buttons say so by being off, and the line above them says why.
        body.append(ft.Text(t("error.goals_not_approved", numbers=", ".join(unapproved)),
                            color=ft.Colors.ERROR))
        sign_button.disabled = True
    if can_sign and me in waiting:
        if status is not AgreementStatus.SIGNED and conversation.state is State.HELD:
            buttons.append(months)
        buttons.append(sign_button)
    others = [p for p in meeting.parties if p in waiting and p != me]
    if can_sign and others:
        for other in others:
            label = t("agreement.sign_here", name=names.get(other, "?"))
            buttons.append(ft.OutlinedButton(
                label, icon=ft.Icons.TABLET, disabled=bool(unapproved),
                on_click=_sign_here_opener(shell, meeting, other, read_months)))
    stem = file_stem(conversation)
    buttons.append(export_button(shell, t("agreement.pdf"), ft.Icons.PICTURE_AS_PDF,
                                 f"{stem}-udviklingsaftale.pdf",
                                 lambda: meetings.agreement_pdf(meeting), message))
    if conversation.follow_up_due is not None:
        buttons.append(export_button(shell, t("agreement.follow_up_ics"), ft.Icons.EVENT,
                                     f"{stem}-opfoelgning.ics",
                                     lambda: meetings.follow_up_ics(meeting), message))
    if meetings.leading(conversation) and conversation.state is State.AGREED:
        label = t("agreement.follow_up")
        buttons.append(ft.OutlinedButton(label, icon=ft.Icons.EVENT_REPEAT,
                                         on_click=shell.to(_follow_up, conversation_id)))
    body.append(ft.Column(buttons, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.START))
    body.append(message)
    if meeting.earlier:
        body.append(ft.Text(t("agreement.earlier", count=len(meeting.earlier)), size=12,
                            color=ft.Colors.ON_SURFACE_VARIANT))

    async def back() -> None:
        await show_conversation(shell, conversation_id)

    shell.show(page_column(body), back_bar(shell, t("agreement.title"), back))


async def _follow_up(shell: Shell, conversation_id: str) -> None:
    await shell.go(Route.FOLLOW_UP, conversation_id)


def _sign_here_opener(shell: Shell, meeting: Meeting, other: str,
                      read_months: Callable[[], bool]) -> Callable[[], Awaitable[None]]:
    """The other party signs on this tablet: they pick their own profile and type
    their own PIN; the leader's profile stays open."""
    session, t = shell.session, shell.session.texts
    name = session.meetings.names(meeting.conversation).get(other, "?")

    async def open_dialog() -> None:
        if not read_months():
            return
        profiles = await asyncio.to_thread(session.profiles)
        own = session.unlocked_vault().id
        chosen: dict[str, str | None] = {"id": None}
        tiles = ft.Row(wrap=True, spacing=8)
        pin = secret_field(t("unlock.pin"), t)
        error = ft.Text("", color=ft.Colors.ERROR)
        submit = ft.FilledButton(t("agreement.sign_submit"), icon=ft.Icons.DRAW)

        def draw() -> None:
            tiles.controls = []
            for info in profiles:
                if info.id == own:
                    continue
                icon, key, colour = symbol(info.symbol)

                def pick(e: Any, profile_id: str = info.id) -> None:
                    chosen["id"] = profile_id
                    draw()
                    tiles.update()

                tiles.controls.append(ft.Container(
                    ft.Column([ft.Icon(icon, color=colour, size=32), ft.Text(t(key))],
                              horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=2),
                    padding=8, width=88, border_radius=ft.BorderRadius.all(10),
                    bgcolor=ft.Colors.PRIMARY_CONTAINER if chosen["id"] == info.id
                    else ft.Colors.SURFACE_CONTAINER,
                    tooltip=t("unlock.profile_named", symbol=t(key)), on_click=pick))

        async def sign() -> None:
            if chosen["id"] is None:
                error.value = t("unlock.choose_first")
                error.update()
                return
            with busy(submit):
                try:
                    await asyncio.to_thread(session.meetings.sign_here, meeting.cid,
                                            chosen["id"], pin.value or "")
                except (InputRejected, StorageError) as err:
                    error.value, pin.value = describe(err, t), ""
                    return
            shell.page.pop_dialog()
            shell.sync_soon()
            await show_agreement(shell, meeting.cid, t("agreement.other_signed", name=name))

        async def cancel() -> None:
            shell.page.pop_dialog()

        submit.on_click = sign
        pin.on_submit = sign
        draw()
        shell.page.show_dialog(ft.AlertDialog(
            title=ft.Text(t("agreement.sign_here_title", name=name)),
            content=ft.Column([ft.Text(t("agreement.sign_here_help", name=name)), tiles, pin,
                               error], tight=True, width=380, scroll=ft.ScrollMode.AUTO),
            actions=[ft.TextButton(t("common.cancel"), on_click=cancel), submit],
        ))

    return open_dialog
