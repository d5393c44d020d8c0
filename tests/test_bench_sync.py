"""The sync benchmark runs in quick mode, prints its table and meets its budgets."""

from __future__ import annotations

import re
from pathlib import Path

from tests.benches import quick_bench

NUMBER = r"[\d.,]+"


def test_quick_sync_bench_passes_and_prints_its_numbers(tmp_path: Path) -> None:
    out = quick_bench("sync", "--dir", str(tmp_path))
    for size in ("5,000", "10,000"):
        assert re.search(rf"sync finding 1 change among {size} +\| {NUMBER} ms +\| {NUMBER} ms",
                         out), size
        assert re.search(rf"rsync -a of the same share, {size} +\| {NUMBER} ms", out), size
        assert re.search(rf"rsync / sync at {size} \(p50s\) +\| {NUMBER}×", out), size
    assert re.search(rf"growth of that p50, 5,000 → 10,000 +\| {NUMBER}× .*\| ok", out)
    assert re.search(rf"first sync of 2,000 records into a new vault +\| {NUMBER} s", out)
    assert re.search(rf"cp -r of the same share +\| {NUMBER} s", out)
    assert re.search(rf"first sync / cp -r +\| {NUMBER}× .*\| ok", out)
    assert re.search(rf"Samba push of 100 records \(employee\) +\| {NUMBER} ms", out)
    assert re.search(rf"Samba pull of 100 records \(leader\) +\| {NUMBER} ms", out)
    assert re.search(
        rf"100 changed records over loopback Samba \(push \+ pull\) +\| {NUMBER} ms "
        rf"+\| {NUMBER} ms +\| ≤ 3 s +\| ok", out)
    for pushes in ("200", "2,000"):
        for where in ("folder share", "loopback Samba"):
            assert re.search(rf"2,000 people, {pushes} pushes, 5 for me: sync, {where} "
                             rf"+\| {NUMBER} ms +\| {NUMBER} ms +\| ≤ [\d,]+ ms +\| ok", out)
    for where in ("folder share", "loopback Samba"):
        assert re.search(rf"2,000 people: 2,000 / 200 pushes, {where} \(fastest\) +\| "
                         rf"{NUMBER}× .*\| ok", out)
    assert "MISSED" not in out
    assert list(tmp_path.iterdir()) == []  # the bench cleans up after itself


def test_quick_directory_bench_passes_and_prints_hire_and_leaver_numbers(
    tmp_path: Path,
) -> None:
    out = quick_bench("sync", "--org", "3000", "--dir", str(tmp_path))
    for where in ("folder", "Samba"):
        assert re.search(rf"{where}: whole directory of 3,000 read \(before\) +\| "
                         rf"{NUMBER} ms", out), where
        for kind in ("hire", "leaver"):
            assert re.search(rf"{where}: one {kind} reaches the device, 3,000 +\| {NUMBER} ms "
                             rf"+\| {NUMBER} ms +\| ≤ 1 s, ≤ 1 MB +\| ok", out), (where, kind)
            assert re.search(rf"{where}: bytes read for one {kind} +\| {NUMBER} bytes", out)
    assert "MISSED" not in out
    assert list(tmp_path.iterdir()) == []
