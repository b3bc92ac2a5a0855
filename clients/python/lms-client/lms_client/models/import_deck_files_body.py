from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from .. import types
from ..models.scheduler_name import SchedulerName
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="ImportDeckFilesBody")


@_attrs_define
class ImportDeckFilesBody:
    """
    Attributes:
        file (File): The file: an Anki package (`.apkg`), an Anki text file (CSV, TSV) or a JSON deck
            document, recognised by its content.
        course_id (UUID | Unset): The course it belongs to; absent for a private deck.
        scheduler (SchedulerName | Unset): A deck's scheduling algorithm.
        title (str | Unset): The deck's title (default: the deck's name in the file, else the file's name).
    """

    file: File
    course_id: UUID | Unset = UNSET
    scheduler: SchedulerName | Unset = UNSET
    title: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        course_id: str | Unset = UNSET
        if not isinstance(self.course_id, Unset):
            course_id = str(self.course_id)

        scheduler: str | Unset = UNSET
        if not isinstance(self.scheduler, Unset):
            scheduler = self.scheduler.value

        title = self.title

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "file": file,
            }
        )
        if course_id is not UNSET:
            field_dict["course_id"] = course_id
        if scheduler is not UNSET:
            field_dict["scheduler"] = scheduler
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.course_id, Unset):
            files.append(("course_id", (None, str(self.course_id), "text/plain")))

        if not isinstance(self.scheduler, Unset):
            files.append(("scheduler", (None, str(self.scheduler.value).encode(), "text/plain")))

        if not isinstance(self.title, Unset):
            files.append(("title", (None, str(self.title).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        _course_id = d.pop("course_id", UNSET)
        course_id: UUID | Unset
        if isinstance(_course_id, Unset):
            course_id = UNSET
        else:
            course_id = UUID(_course_id)

        _scheduler = d.pop("scheduler", UNSET)
        scheduler: SchedulerName | Unset
        if isinstance(_scheduler, Unset):
            scheduler = UNSET
        else:
            scheduler = SchedulerName(_scheduler)

        title = d.pop("title", UNSET)

        import_deck_files_body = cls(
            file=file,
            course_id=course_id,
            scheduler=scheduler,
            title=title,
        )

        return import_deck_files_body
