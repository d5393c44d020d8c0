"""Reads the question sheets and job profiles from folders and hands them to the
domain (``conversations.sheets``) to validate.

``root/sheets/*.json`` and ``root/job_profiles/*.json`` first, then each extra folder,
laid out the same way; JSON files directly in an extra folder count as sheets, so an
organisation can simply drop a sheet there. A file or folder that cannot be read is a
problem in ``library.problems``, never an exception."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from conversations.sheets import SheetLibrary, SheetProblem, SheetSource, assemble_library
from resources.texts import ASSETS


def json_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())
    except OSError:
        return []


def load_library(root: Path = ASSETS, extra_dirs: Iterable[Path | str] = ()) -> SheetLibrary:
    problems: list[SheetProblem] = []
    sources: list[tuple[Path, bool]] = [(Path(root), False)]
    sources += [(Path(folder), True) for folder in extra_dirs]

    found: dict[str, list[tuple[int, Path, str]]] = {"job_profiles": [], "sheets": []}
    for index, (base, extra) in enumerate(sources):
        if not base.is_dir():
            problems.append(SheetProblem(str(base), "(folder)", "is not a folder that can be read"))
            continue

        def name(path: Path, base: Path = base, extra: bool = extra) -> str:
            return str(path) if extra else path.relative_to(base).as_posix()

        for sub, into in found.items():
            folder = base / sub
            if folder.is_dir():
                into += [(index, p, name(p)) for p in json_files(folder)]
            elif not extra:
                problems.append(SheetProblem(name(folder), "(folder)", "is missing"))
        if extra:
            found["sheets"] += [(index, p, name(p)) for p in json_files(base)]

    def read(files: list[tuple[int, Path, str]]) -> list[SheetSource]:
        read_ok = []
        for index, path, file in files:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                problems.append(
                    SheetProblem(file, "(file)", f"cannot be read: {exc.strerror or exc}"))
                continue
            read_ok.append(SheetSource(index, path.stem, file, raw))
        return read_ok

    profiles, sheets = read(found["job_profiles"]), read(found["sheets"])
    return assemble_library(profiles, sheets, problems)
