from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.question_input import QuestionInput


T = TypeVar("T", bound="QuizInput")


@_attrs_define
class QuizInput:
    """Quiz lesson content.

    Attributes:
        pass_mark_percent (int): Score needed to pass, in percent (0–100).
        questions (list[QuestionInput]): The questions: up to 200.
        max_attempts (int | Unset): Attempts allowed; unlimited when absent.
    """

    pass_mark_percent: int
    questions: list[QuestionInput]
    max_attempts: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        pass_mark_percent = self.pass_mark_percent

        questions = []
        for questions_item_data in self.questions:
            questions_item = questions_item_data.to_dict()
            questions.append(questions_item)

        max_attempts = self.max_attempts

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "pass_mark_percent": pass_mark_percent,
                "questions": questions,
            }
        )
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.question_input import QuestionInput  # noqa: PLC0415

        d = dict(src_dict)
        pass_mark_percent = d.pop("pass_mark_percent")

        questions = []
        _questions = d.pop("questions")
        for questions_item_data in _questions:
            questions_item = QuestionInput.from_dict(questions_item_data)

            questions.append(questions_item)

        max_attempts = d.pop("max_attempts", UNSET)

        quiz_input = cls(
            pass_mark_percent=pass_mark_percent,
            questions=questions,
            max_attempts=max_attempts,
        )

        return quiz_input
