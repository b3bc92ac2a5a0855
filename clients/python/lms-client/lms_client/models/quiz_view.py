from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.question_view import QuestionView


T = TypeVar("T", bound="QuizView")


@_attrs_define
class QuizView:
    """A quiz as a learner sees it: no answers.

    Attributes:
        attempts_used (int): Attempts used.
        pass_mark_percent (int): Score needed to pass.
        questions (list[QuestionView]): Questions.
        max_attempts (int | Unset): Attempts allowed; absent when unlimited.
    """

    attempts_used: int
    pass_mark_percent: int
    questions: list[QuestionView]
    max_attempts: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts_used = self.attempts_used

        pass_mark_percent = self.pass_mark_percent

        questions = []
        for questions_item_data in self.questions:
            questions_item = questions_item_data.to_dict()
            questions.append(questions_item)

        max_attempts = self.max_attempts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts_used": attempts_used,
                "pass_mark_percent": pass_mark_percent,
                "questions": questions,
            }
        )
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.question_view import QuestionView  # noqa: PLC0415

        d = dict(src_dict)
        attempts_used = d.pop("attempts_used")

        pass_mark_percent = d.pop("pass_mark_percent")

        questions = []
        _questions = d.pop("questions")
        for questions_item_data in _questions:
            questions_item = QuestionView.from_dict(questions_item_data)

            questions.append(questions_item)

        max_attempts = d.pop("max_attempts", UNSET)

        quiz_view = cls(
            attempts_used=attempts_used,
            pass_mark_percent=pass_mark_percent,
            questions=questions,
            max_attempts=max_attempts,
        )

        quiz_view.additional_properties = d
        return quiz_view

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
