from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AnswerInput")


@_attrs_define
class AnswerInput:
    """An answer to one question.

    Attributes:
        question_id (UUID): The question.
        selected_options (list[int] | Unset): Chosen option indexes (choice and true/false questions).
        text (str | Unset): Written answer (short-answer questions).
    """

    question_id: UUID
    selected_options: list[int] | Unset = UNSET
    text: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        question_id = str(self.question_id)

        selected_options: list[int] | Unset = UNSET
        if not isinstance(self.selected_options, Unset):
            selected_options = self.selected_options

        text = self.text

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "question_id": question_id,
            }
        )
        if selected_options is not UNSET:
            field_dict["selected_options"] = selected_options
        if text is not UNSET:
            field_dict["text"] = text

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        question_id = UUID(d.pop("question_id"))

        selected_options = cast(list[int], d.pop("selected_options", UNSET))

        text = d.pop("text", UNSET)

        answer_input = cls(
            question_id=question_id,
            selected_options=selected_options,
            text=text,
        )

        return answer_input
