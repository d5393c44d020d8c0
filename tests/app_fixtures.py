"""Set-ups the app tests share: sessions on a data folder, a person's second device,
conflicting edits, and a newcomer beside the demo organisation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from resources.library import load_library
from resources.texts import Texts
from services.app import AppSession
from storage import Device, KdfParams
from tests.clock import TODAY, day_clock
from views.common import when

# The demo plans from the app's day: Anna's MUS in 14 days at 10.00, the team's TUS in
# 40 at 9.00. Tests find them on screen by these moments.
DEMO_MUS_AT = dt.datetime.combine(TODAY + dt.timedelta(days=14), dt.time(10, 0))
DEMO_TUS_AT = dt.datetime.combine(TODAY + dt.timedelta(days=40), dt.time(9, 0))
LIBRARY = load_library()


def open_label(title: str, moment: dt.datetime, lang: str = "da") -> str:
    """The start of the name a conversation's card on home has for screen readers (and
    tests): its title, then the line beneath it, which begins with when it is planned."""
    return f"{title} {when(moment, Texts(lang))}"

NEWCOMER_PIN = "246810"


def session_on(root: Path) -> AppSession:
    device = Device(root, kdf=KdfParams.FAST_FOR_TESTS)
    return AppSession(device, LIBRARY, clock=day_clock())


def first_text_question(session: AppSession, cid: str) -> str:
    draft = session.drafts[cid]
    return next(q.id for q in draft.sheet.all_questions() if q.type.value == "text")


def second_device_for(first: AppSession, data: Path, share: str) -> AppSession:
    """The same person on another device: their keys, profile and directory, a device id
    of its own, and the same share."""
    from storage.schema import DIRECTORY_KEY, PROFILE_KEY, SETTINGS_KEY

    source = first.unlocked_vault()
    other = session_on(data)
    vault, _code = other.device.create_profile("246810", symbol=3)
    for key in ("identity", PROFILE_KEY, SETTINGS_KEY, DIRECTORY_KEY):
        value = source.get_meta(key)
        assert value is not None, key
        vault.put_meta(key, value)
    for cid in source.shard_ids():
        for table, records in source.read_shard(cid).items():
            if table == "conversation":
                vault.put_records(cid, table, records.values())
    vault.put_index(source.index())
    vault.put_meta("share", {"location": share, "username": "", "password": ""})
    vault.lock()
    other.unlock(other.profiles()[0].id, "246810")
    return other


def leaders_device_for(tablet: AppSession, data: Path, share: str) -> None:
    """Mette (the demo's leader) on a device of her own beside the demo's tablet, with
    her keys; leaves both locked."""
    from conversations.demo import DEMO_PIN

    mette = next(p.id for p in tablet.profiles() if p.symbol == 6)
    tablet.lock()
    tablet.unlock(mette, DEMO_PIN)
    second_device_for(tablet, data, share).lock()
    tablet.lock()


def anna_on_two_devices(tmp: Path) -> tuple[AppSession, AppSession, str]:
    """The demo on a tablet, Anna's office PC on the same share, and her MUS's id."""
    tablet = session_on(tmp / "tablet")
    tablet.create_demo()
    office = second_device_for(tablet, tmp / "office", tablet.default_share())
    mus = next(s for _, items in tablet.home() for s in items if s.answered)
    return tablet, office, mus.id


def write_and_sync(session: AppSession, cid: str, text: str) -> str:
    """Writes ``text`` as the first answer, leaves the preparation and syncs; returns
    the question's id."""
    session.open_draft(cid)
    question = first_text_question(session, cid)
    session.set_answer(cid, question, text)
    session.close_draft(cid)
    session.sync()
    return question


def conflicting_edits(
    tablet: AppSession, office: AppSession, cid: str, *, first: str, at_office: str,
    on_tablet: str,
) -> str:
    """Both devices start from ``first``, then change the same answer differently."""
    question = write_and_sync(tablet, cid, first)
    office.sync()
    write_and_sync(office, cid, at_office)
    write_and_sync(tablet, cid, on_tablet)
    return question


def newcomer_beside_demo(tmp: Path) -> tuple[AppSession, str]:
    """The demo organisation on an office PC, and Birgitte's new profile on a tablet
    that uses the same share; returns her (unlocked) session and the share."""
    office = session_on(tmp / "office")
    office.create_demo()
    share = office.default_share()
    office.lock()
    newcomer = session_on(tmp / "tablet")
    newcomer.create_profile("Birgitte Holm", NEWCOMER_PIN, NEWCOMER_PIN, leader=False,
                            symbol=4)
    newcomer.set_share(share, "", "")
    return newcomer, share


def demo_with_course(root: Path, title: str, dates: tuple[dt.date, ...] = (), *,
                     received_by: int) -> AppSession:
    """The demo on a device where Henrik from HR has created an internal course on the
    therapists' first competence, and the profile with symbol ``received_by`` has synced
    it; returns the session, locked."""
    from conversations.courses import Delivery
    from conversations.demo import DEMO_PIN

    session = session_on(root)
    session.create_demo()
    henrik = next(p.id for p in session.profiles() if p.symbol == 2)
    session.lock()
    session.unlock(henrik, DEMO_PIN)
    competence = session.library.job_profiles["therapist-carer"].competences[0].id
    session.office.create_course(title, [competence], Delivery.INTERNAL, dates=list(dates))
    session.sync()
    session.lock()
    session.unlock(next(p.id for p in session.profiles() if p.symbol == received_by), DEMO_PIN)
    session.sync()
    session.lock()
    return session


def paired_device(first: AppSession, data: Path, share: str, name: str = "Telefon",
                  pin: str = "246810") -> AppSession:
    """The same person on another device, added the way a person adds one: a code on
    ``first``, the same six digits on both screens, a PIN of its own on the new one."""
    from services.devices import Joining

    new = session_on(data)
    code = first.devices.start_adding()
    joining = Joining(new.device, new.clock)
    digits = joining.start(share, "", "", code, name)
    waiting = first.devices.waiting()
    assert waiting == (name, digits)
    first.devices.confirm()
    assert joining.poll()
    joining.finish(new, pin, pin, symbol=3)
    return new
