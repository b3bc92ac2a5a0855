from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.question_kind_dto import QuestionKindDto
from ..types import UNSET, Unset

T = TypeVar("T", bound="QuestionInput")


@_attrs_define
class QuestionInput:
    """A quiz question with its answer key.

    Attributes:
        kind (QuestionKindDto): How a quiz question is answered.
        prompt (str): The question, 1–2,000 characters.
        accepted_answers (list[str] | Unset): Accepted answers for short-answer questions.
        correct_options (list[int] | Unset): Zero-based indexes of the correct options.
        options (list[str] | Unset): Choices (none for short answers): up to 20, each up to 500 characters.
    """

    kind: QuestionKindDto
    prompt: str
    accepted_answers: list[str] | Unset = UNSET
    correct_options: list[int] | Unset = UNSET
    options: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        prompt = self.prompt

        accepted_answers: list[str] | Unset = UNSET
        if not isinstance(self.accepted_answers, Unset):
            accepted_answers = self.accepted_answers

        correct_options: list[int] | Unset = UNSET
        if not isinstance(self.correct_options, Unset):
            correct_options = self.correct_options

        options: list[str] | Unset = UNSET
        if not isinstance(self.options, Unset):
            options = self.options

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
                "prompt": prompt,
            }
        )
        if accepted_answers is not UNSET:
            field_dict["accepted_answers"] = accepted_answers
        if correct_options is not UNSET:
            field_dict["correct_options"] = correct_options
        if options is not UNSET:
            field_dict["options"] = options

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = QuestionKindDto(d.pop("kind"))

        prompt = d.pop("prompt")

        accepted_answers = cast(list[str], d.pop("accepted_answers", UNSET))

        correct_options = cast(list[int], d.pop("correct_options", UNSET))

        options = cast(list[str], d.pop("options", UNSET))

        question_input = cls(
            kind=kind,
            prompt=prompt,
            accepted_answers=accepted_answers,
            correct_options=correct_options,
            options=options,
        )

        return question_input
