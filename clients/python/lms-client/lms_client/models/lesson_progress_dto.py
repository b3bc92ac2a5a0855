from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lesson_kind_dto import LessonKindDto
from ..models.lesson_state_dto import LessonStateDto

if TYPE_CHECKING:
    from ..models.unmet_dto import UnmetDto


T = TypeVar("T", bound="LessonProgressDto")


@_attrs_define
class LessonProgressDto:
    """One lesson in a learner's outline.

    Attributes:
        id (UUID): Identifier.
        kind (LessonKindDto): The kind of a lesson.
        state (LessonStateDto): A learner's state on a lesson.
        title (str): Title.
        unmet (list[UnmetDto]): Why it is locked (empty unless locked).
    """

    id: UUID
    kind: LessonKindDto
    state: LessonStateDto
    title: str
    unmet: list[UnmetDto]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        kind = self.kind.value

        state = self.state.value

        title = self.title

        unmet = []
        for unmet_item_data in self.unmet:
            unmet_item = unmet_item_data.to_dict()
            unmet.append(unmet_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "state": state,
                "title": title,
                "unmet": unmet,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.unmet_dto import UnmetDto  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        kind = LessonKindDto(d.pop("kind"))

        state = LessonStateDto(d.pop("state"))

        title = d.pop("title")

        unmet = []
        _unmet = d.pop("unmet")
        for unmet_item_data in _unmet:
            unmet_item = UnmetDto.from_dict(unmet_item_data)

            unmet.append(unmet_item)

        lesson_progress_dto = cls(
            id=id,
            kind=kind,
            state=state,
            title=title,
            unmet=unmet,
        )

        lesson_progress_dto.additional_properties = d
        return lesson_progress_dto

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
