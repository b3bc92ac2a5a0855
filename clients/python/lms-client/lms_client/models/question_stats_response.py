from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="QuestionStatsResponse")


@_attrs_define
class QuestionStatsResponse:
    """One quiz question's statistics.

    Attributes:
        attempts (int): Graded attempts that answered it, retries included.
        correct (int): Of those, answered right.
        lesson_id (UUID): The quiz lesson.
        question_id (UUID): The question.
        correct_rate (float | None | Unset): Correct out of attempts, 0–1 (4 decimals): the question's difficulty.
        discrimination (float | None | Unset): The best third of the quiz's attempts' share right minus the worst
            third's, −1 to
            1 (4 decimals; ties at a third's boundary count pro rata); null under 3 attempts.
    """

    attempts: int
    correct: int
    lesson_id: UUID
    question_id: UUID
    correct_rate: float | None | Unset = UNSET
    discrimination: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        correct = self.correct

        lesson_id = str(self.lesson_id)

        question_id = str(self.question_id)

        correct_rate: float | None | Unset
        if isinstance(self.correct_rate, Unset):
            correct_rate = UNSET
        else:
            correct_rate = self.correct_rate

        discrimination: float | None | Unset
        if isinstance(self.discrimination, Unset):
            discrimination = UNSET
        else:
            discrimination = self.discrimination

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "correct": correct,
                "lesson_id": lesson_id,
                "question_id": question_id,
            }
        )
        if correct_rate is not UNSET:
            field_dict["correct_rate"] = correct_rate
        if discrimination is not UNSET:
            field_dict["discrimination"] = discrimination

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        correct = d.pop("correct")

        lesson_id = UUID(d.pop("lesson_id"))

        question_id = UUID(d.pop("question_id"))

        def _parse_correct_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        correct_rate = _parse_correct_rate(d.pop("correct_rate", UNSET))

        def _parse_discrimination(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        discrimination = _parse_discrimination(d.pop("discrimination", UNSET))

        question_stats_response = cls(
            attempts=attempts,
            correct=correct,
            lesson_id=lesson_id,
            question_id=question_id,
            correct_rate=correct_rate,
            discrimination=discrimination,
        )

        question_stats_response.additional_properties = d
        return question_stats_response

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
