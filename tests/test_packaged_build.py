"""What `flet build` reads: [tool.flet] in pyproject.toml, the icon and splash, and
babel's locale data, which must ship extracted on Android."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import babel

ROOT = Path(__file__).resolve().parent.parent
FLET = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["flet"]
DANISH_DATE = (
    "import datetime, sys; from babel.dates import format_date; "
    "print(format_date(datetime.date(2026, 12, 1), 'long', locale='da'))"
)


def run_with_babel_from(path: Path) -> subprocess.CompletedProcess[str]:
    code = f"import sys; sys.path.insert(0, {str(path)!r}); {DANISH_DATE}"
    return subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)


def test_babel_cannot_read_danish_from_a_zip_so_android_ships_it_extracted(
    tmp_path: Path,
) -> None:
    package = Path(babel.__file__).parent
    archive = tmp_path / "sitepackages.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in package.rglob("*"):
            if "__pycache__" not in file.parts:
                zipped.write(file, file.relative_to(package.parent).as_posix())
    zipped_run = run_with_babel_from(archive)
    assert zipped_run.returncode != 0
    assert "NotADirectoryError" in zipped_run.stderr or "FileNotFoundError" in zipped_run.stderr

    extracted = tmp_path / "extracted"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(extracted)
    assert run_with_babel_from(extracted).stdout.strip() == "1. december 2026"
    assert "babel" in FLET["android"]["extract_packages"]


def test_the_bundle_leaves_out_the_venv_tests_and_benchmarks() -> None:
    excluded = set(FLET["app"]["exclude"])
    assert {".venv", ".git", "tests", "data"} <= excluded
    benchmarks = {p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/*bench*.py")
                  if p.parent.name != "tests"}
    assert benchmarks <= excluded | {"bench"}


def test_the_app_asks_only_for_the_network() -> None:
    assert FLET["permissions"] == []
    assert FLET["android"]["permission"] == {"android.permission.INTERNET": True}


def test_icon_and_splash_are_in_assets_at_store_sizes() -> None:
    from PIL import Image

    with Image.open(ROOT / "assets" / "icon.png") as icon:
        assert icon.size == (1024, 1024)
        assert icon.mode == "RGB"  # iOS refuses an icon with transparency
    with Image.open(ROOT / "assets" / "splash.png") as splash:
        assert min(splash.size) >= 288


def test_the_bundle_id_and_product_name_are_set_for_every_platform() -> None:
    assert FLET["bundle_id"] == f"{FLET['org']}.samtale"
    assert FLET["product"] == "Samtale"
    assert FLET["app"]["module"] == "main" and (ROOT / "main.py").exists()
