"""One person on two devices over a real Samba share: both edit the same preparation
offline — different questions, and the same one — and sync in every order. Nothing is
hidden, and the same question answered on both is a conflict holding both answers."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from conversations.demo import DEMO_PIN
from services.app import AppSession
from tests.app_fixtures import leaders_device_for, second_device_for, session_on
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401

SECOND_PIN = "246810"  # second_device_for's PIN
ORDERS = list(itertools.permutations(("tablet", "office", "leader")))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo on Anna's tablet, her office PC with her keys, and her leader Mette's
    own device; every vault locked. Returns the folder and Anna's MUS."""
    root = tmp_path_factory.mktemp("samba-devices")
    tablet = session_on(root / "tablet")
    tablet.create_demo()
    share = tablet.default_share()
    cid = next(s for _, items in tablet.home() for s in items if s.answered).id
    second_device_for(tablet, root / "office", share).lock()
    leaders_device_for(tablet, root / "leader", share)
    return root, cid


def devices_on(samba: SambaServer, template: Path, into: Path, folder: str
               ) -> dict[str, AppSession]:
    """A copy of the template whose share now lives on the Samba server."""
    shutil.copytree(template, into)
    target = samba.share_dir / folder
    shutil.copytree(into / "tablet" / "share", target)
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
