"""One person on two devices over a real Samba share, the second added with the
one-time code: both edit the same preparation offline (different questions, and the
same one) and sync in every order. Nothing is hidden, and the same question answered on
both is a conflict holding both answers."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from conversations.demo import DEMO_PIN
from services.app import AppSession
from services.devices import Joining
from tests.app_fixtures import leaders_device_for, session_on
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401

SECOND_PIN = "246810"  # the office PC's PIN, and second_device_for's
ORDERS = list(itertools.permutations(("tablet", "office", "leader")))


@pytest.fixture(scope="module")
def template(samba_server: SambaServer, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, str]:
    """The demo on Anna's tablet; her office PC added to her profile with the one-time
    code over the Samba share; her leader Mette's own device. Every vault locked.
    Returns the folder and Anna's MUS."""
    if not samba_server.running:
        samba_server.start()
    root = tmp_path_factory.mktemp("samba-devices")
    tablet = session_on(root / "tablet")
    tablet.create_demo()
    shutil.copytree(tablet.default_share(), samba_server.share_dir / "devices-template")
    location = samba_server.location("devices-template")
    tablet.set_share(location, samba_server.username, samba_server.password)
    cid = next(s for _, items in tablet.home() for s in items if s.answered).id
    office = session_on(root / "office")
    joining = Joining(office.device, office.clock)
    digits = joining.start(location, samba_server.username, samba_server.password,
                           tablet.devices.start_adding(), "Kontor-pc")
    assert tablet.devices.waiting() == ("Kontor-pc", digits)  # the same digits on both
    tablet.devices.confirm()
    assert joining.poll()
    joining.finish(office, SECOND_PIN, SECOND_PIN, symbol=3)
    office.lock()
    leaders_device_for(tablet, root / "leader", tablet.default_share())
    shutil.copytree(samba_server.share_dir / "devices-template", root / "share")
    return root, cid


def devices_on(samba: SambaServer, template: Path, into: Path, folder: str
               ) -> dict[str, AppSession]:
    """A copy of the template whose share now lives on the Samba server."""
    shutil.copytree(template, into)
    shutil.copytree(into / "share", samba.share_dir / folder)
    location = samba.location(folder)
    tablet, office, leader = (session_on(into / name) for name in ("tablet", "office",
                                                                   "leader"))
    anna = next(p.id for p in tablet.profiles() if p.symbol == 1)
    tablet.unlock(anna, DEMO_PIN)
    for other in (office, leader):
        other.unlock(other.profiles()[0].id, SECOND_PIN)
    for session in (tablet, office, leader):
        session.set_share(location, samba.username, samba.password)
    return {"tablet": tablet, "office": office, "leader": leader}


def answers_and_clashes(session: AppSession, cid: str) -> dict[str, set[str]]:
    session.drafts.pop(cid, None)
    seen = {q: {a} for q, a in session.open_draft(cid).preparation.answers.items()}
    for clash in session.open_conflicts():
        if clash.shard == cid and clash.key is not None:
            seen.setdefault(clash.key, set()).update(
                v for v in (clash.ours, clash.theirs) if isinstance(v, str))
    return seen


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_two_devices_edit_one_preparation_offline_and_every_sync_order_hides_nothing(
    samba: SambaServer, template: tuple[Path, str], tmp_path: Path,
    order: tuple[str, ...],
) -> None:
    root, cid = template
    folder = "devices-" + "-".join(order)
    devices = devices_on(samba, root, tmp_path / "devices", folder)
    tablet, office = devices["tablet"], devices["office"]
    questions = [q.id for q in tablet.open_draft(cid).sheet.all_questions()
                 if q.type.value == "text"][:3]
    same, only_tablet, only_office = questions
    for device, own, text in ((tablet, only_tablet, "skrevet på tabletten"),
                              (office, only_office, "skrevet på kontoret")):
        device.open_draft(cid)
        device.set_answer(cid, same, f"samme spørgsmål, {text}")
        device.set_answer(cid, own, text)
        device.close_draft(cid)

    objects = samba.share_dir / folder / "objects"
    before = sum(1 for p in objects.rglob("*") if p.is_file())
    for name in order:  # each device syncs once, in this order ...
        devices[name].sync()
    for _ in range(2):  # ... then everyone until quiet
        for name in ("tablet", "office", "leader"):
            devices[name].sync()

    assert sum(1 for p in objects.rglob("*") if p.is_file()) > before  # went through smbd
    for device in (tablet, office):
        seen = answers_and_clashes(device, cid)
        assert seen[only_tablet] == {"skrevet på tabletten"}
        assert seen[only_office] == {"skrevet på kontoret"}
        assert seen[same] == {"samme spørgsmål, skrevet på tabletten",
                              "samme spørgsmål, skrevet på kontoret"}
        [clash] = [c for c in device.open_conflicts() if c.key == same]
        assert {clash.ours, clash.theirs} == seen[same]
    assert answers_and_clashes(tablet, cid) == answers_and_clashes(office, cid)
