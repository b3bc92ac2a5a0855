from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.question_kind_dto import QuestionKindDto

T = TypeVar("T", bound="QuestionView")


@_attrs_define
class QuestionView:
    """A quiz question without its answer.

    Attributes:
        id (UUID): Identifier (for answers).
        kind (QuestionKindDto): How a quiz question is answered.
        options (list[str]): Choices.
        prompt (str): The question.
    """

    id: UUID
    kind: QuestionKindDto
    options: list[str]
    prompt: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        kind = self.kind.value

        options = self.options

        prompt = self.prompt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "options": options,
                "prompt": prompt,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        kind = QuestionKindDto(d.pop("kind"))

        options = cast(list[str], d.pop("options"))

        prompt = d.pop("prompt")

        question_view = cls(
            id=id,
            kind=kind,
            options=options,
            prompt=prompt,
        )

        question_view.additional_properties = d
        return question_view

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
