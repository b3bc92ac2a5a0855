from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.unmet_kind_dto import UnmetKindDto
from ..types import UNSET, Unset

T = TypeVar("T", bound="UnmetDto")


@_attrs_define
class UnmetDto:
    """Why a lesson is locked.

    Attributes:
        kind (UnmetKindDto): What a locked lesson waits for.
        course_id (UUID | Unset): The course to complete first.
        lesson_id (UUID | Unset): The lesson to complete first.
        title (str | Unset): Its title.
    """

    kind: UnmetKindDto
    course_id: UUID | Unset = UNSET
    lesson_id: UUID | Unset = UNSET
    title: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        course_id: str | Unset = UNSET
        if not isinstance(self.course_id, Unset):
            course_id = str(self.course_id)

        lesson_id: str | Unset = UNSET
        if not isinstance(self.lesson_id, Unset):
            lesson_id = str(self.lesson_id)

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
            }
        )
        if course_id is not UNSET:
            field_dict["course_id"] = course_id
        if lesson_id is not UNSET:
            field_dict["lesson_id"] = lesson_id
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = UnmetKindDto(d.pop("kind"))

        _course_id = d.pop("course_id", UNSET)
        course_id: UUID | Unset
        if isinstance(_course_id, Unset):
            course_id = UNSET
        else:
            course_id = UUID(_course_id)

        _lesson_id = d.pop("lesson_id", UNSET)
        lesson_id: UUID | Unset
        if isinstance(_lesson_id, Unset):
            lesson_id = UNSET
        else:
            lesson_id = UUID(_lesson_id)

        title = d.pop("title", UNSET)

        unmet_dto = cls(
            kind=kind,
            course_id=course_id,
            lesson_id=lesson_id,
            title=title,
        )

        unmet_dto.additional_properties = d
        return unmet_dto

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
