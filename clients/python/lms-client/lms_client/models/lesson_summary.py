from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lesson_kind_dto import LessonKindDto

T = TypeVar("T", bound="LessonSummary")


@_attrs_define
class LessonSummary:
    """A lesson in a course outline.

    Attributes:
        id (UUID): Identifier.
        kind (LessonKindDto): The kind of a lesson.
        position (int): Zero-based position.
        required (bool): Counts toward completion.
        title (str): Title.
    """

    id: UUID
    kind: LessonKindDto
    position: int
    required: bool
    title: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        kind = self.kind.value

        position = self.position

        required = self.required

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "position": position,
                "required": required,
                "title": title,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        kind = LessonKindDto(d.pop("kind"))

        position = d.pop("position")

        required = d.pop("required")

        title = d.pop("title")

        lesson_summary = cls(
            id=id,
            kind=kind,
            position=position,
            required=required,
            title=title,
        )

        lesson_summary.additional_properties = d
        return lesson_summary

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
