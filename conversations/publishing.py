"""The organisation's own question sheets and job profiles, as HR publishes them.

A published sheet or job profile is a :class:`LibraryRelease`: one numbered version of
one item, its JSON document inside. It travels like every other record — sealed for
every member of the directory (``conversations.visibility``), writable only by HR and
never changed once published (``conversations.rights``) — so every member's device has
it after its next sync. Why it can be believed: the envelope is signed by its author,
and the author must be HR in the directory the organisation's key signed.

A sheet's release number is the sheet's own ``version``: a conversation keeps the
``sheet_version`` it was planned with, and a new release only reaches conversations
planned after it (:meth:`conversations.sheets.SheetLibrary.sheet_for`). A job profile's
newest release replaces the one with its id.

Owns: the record, making one from a checked sheet or profile, and turning the releases
a device holds into library sources. Must not touch: the vault, the share, files, a clock.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable
from typing import ClassVar

from conversations.competence import JobProfile
from conversations.records import Versioned
from conversations.sheets import (
    QuestionSheet,
    SheetLibrary,
    SheetSource,
    profile_document,
    sheet_document,
    with_releases,
)

__all__ = [
    "ItemKind",
    "LibraryRelease",
    "library_with",
    "profile_release",
    "release_id",
    "sheet_release",
]

RELEASE_FOLDER = 1_000  # after every folder of files, should a release meet one


class ItemKind(enum.StrEnum):
    SHEET = "sheet"
    JOB_PROFILE = "job_profile"


def release_id(item: ItemKind, item_id: str, number: int) -> str:
    """The one id of a version: the same release published twice is one record."""
    return f"{item.value}.{item_id}.v{number}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class LibraryRelease(Versioned):
    """Version ``number`` of the sheet or job profile ``item_id``; ``document`` is its
    JSON text exactly as an exported file holds it."""

    record_type: ClassVar[str] = "library_release"

    item: ItemKind
    item_id: str
    number: int
    document: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "item", ItemKind(self.item))
        super().__post_init__()

    @property
    def file(self) -> str:
        """How problems with it are named: the item and its version."""
        return f"{self.item_id} v{self.number}"


def document_text(document: object) -> str:
    """A sheet or profile document as the JSON text exported files and releases hold."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def sheet_release(sheet: QuestionSheet, author: str) -> LibraryRelease:
    """The release of a sheet already checked (its ``version`` is the release number)."""
    return LibraryRelease(
        id=release_id(ItemKind.SHEET, sheet.id, sheet.version), author=author,
        item=ItemKind.SHEET, item_id=sheet.id, number=sheet.version,
        document=document_text(sheet_document(sheet)),
    )


def profile_release(profile: JobProfile, number: int, author: str) -> LibraryRelease:
    return LibraryRelease(
        id=release_id(ItemKind.JOB_PROFILE, profile.id, number), author=author,
        item=ItemKind.JOB_PROFILE, item_id=profile.id, number=number,
        document=document_text(profile_document(profile)),
    )


def library_with(library: SheetLibrary, releases: Iterable[LibraryRelease]) -> SheetLibrary:
    """The shipped ``library`` with the releases this device holds. A sheet release's
    document must carry its own number as ``version``; anything else is a problem."""
    ordered = sorted(releases, key=lambda r: (r.item.value, r.item_id, r.number))
    profiles: list[SheetSource] = []
    sheets: list[tuple[SheetSource, int]] = []
    for release in ordered:
        source = SheetSource(RELEASE_FOLDER, release.item_id, release.file,
                             release.document.encode("utf-8"))
        if release.item is ItemKind.SHEET:
            sheets.append((source, release.number))
        else:
            profiles.append(source)
    return with_releases(library, profiles, sheets)
