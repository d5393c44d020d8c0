"""When the app tries the share, and what the status says."""

from __future__ import annotations

from services.syncing import FIRST_RETRY, MAX_RETRY, REGULAR, SyncSchedule, SyncState, SyncStatus


def test_an_unreachable_share_is_tried_less_and_less_often() -> None:
    now = [0.0]
    schedule = SyncSchedule(lambda: now[0])
    assert schedule.due()
    waits = [schedule.unreachable() for _ in range(12)]
    assert waits[:3] == [FIRST_RETRY, 2 * FIRST_RETRY, 4 * FIRST_RETRY]
    assert max(waits) == MAX_RETRY
    now[0] += MAX_RETRY - 1
    assert not schedule.due()
    now[0] += 1
    assert schedule.due()


def test_a_working_share_is_synced_regularly_and_backoff_starts_over() -> None:
    now = [100.0]
    schedule = SyncSchedule(lambda: now[0])
    schedule.unreachable()
    schedule.unreachable()
    schedule.succeeded()
    assert not schedule.due()
    now[0] += REGULAR
    assert schedule.due()
    assert schedule.unreachable() == FIRST_RETRY


def test_sync_now_makes_an_attempt_due_at_once() -> None:
    now = [0.0]
    schedule = SyncSchedule(lambda: now[0])
    schedule.unreachable()
    assert not schedule.due()
    schedule.now()
    assert schedule.due()


def test_progress_is_shown_only_while_syncing() -> None:
    assert SyncStatus(SyncState.SYNCING, done=3, total=12).progress == 0.25
    assert SyncStatus(SyncState.SYNCED, done=3, total=12).progress is None
    assert SyncStatus(SyncState.SYNCING, total=0).progress is None


def test_every_state_has_words_in_both_languages() -> None:
    import datetime as dt

    from resources.texts import Texts
    from views.sync_bar import status_text

    for lang in ("da", "en"):
        for state in SyncState:
            status = SyncStatus(state, done=1, total=2, conflicts=1, problem_key="error.sync",
                                synced_at=dt.datetime(2026, 11, 22, 9, 5))
            text = status_text(status, Texts(lang))
            assert text and not text.startswith("sync."), (lang, state, text)
    assert status_text(SyncStatus(SyncState.SYNCED, synced_at=dt.datetime(2026, 11, 22, 9, 5)),
                       Texts("da")) == "Synkroniseret kl. 09.05"


def test_a_sync_in_progress_shows_a_moving_bar_and_what_it_is_doing() -> None:
    from resources.texts import Texts
    from views.sync_bar import SyncBar

    async def sync_now() -> None:
        return None

    bar = SyncBar(Texts("da"), sync_now)
    bar.show(SyncStatus(SyncState.SYNCING, phase="pull", done=12))
    assert bar.bar.visible and bar.bar.value is None  # indeterminate: no made-up percentage
    assert bar.text.value == "Henter … 12"
    assert bar.button.disabled
    bar.show(SyncStatus(SyncState.OFFLINE))
    assert not bar.bar.visible and not bar.button.disabled
    assert bar.text.value is not None and bar.text.value.startswith("Offline")
