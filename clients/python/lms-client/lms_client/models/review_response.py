from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReviewResponse")


@_attrs_define
class ReviewResponse:
    """The schedule a review gave.

    Attributes:
        card_id (UUID): The card.
        due_at (datetime.datetime): When it is due next.
        ease_factor (float): SM-2 ease factor (≥ 1.3).
        interval_days (int): The interval until then, in days.
        lesson_completed (bool): Whether this review completed the course's flashcard lesson of the deck (every card
            has now had a passing answer), which unlocks the lessons after it.
        passed (bool): Whether the answer passed (SM-2 quality ≥ 3; FSRS good or easy).
        repetitions (int): SM-2 successful reviews in a row.
        difficulty (float | Unset): FSRS memory difficulty.
        stability (float | Unset): FSRS memory stability.
    """

    card_id: UUID
    due_at: datetime.datetime
    ease_factor: float
    interval_days: int
    lesson_completed: bool
    passed: bool
    repetitions: int
    difficulty: float | Unset = UNSET
    stability: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        card_id = str(self.card_id)

        due_at = self.due_at.isoformat()

        ease_factor = self.ease_factor

        interval_days = self.interval_days

        lesson_completed = self.lesson_completed

        passed = self.passed

        repetitions = self.repetitions

        difficulty = self.difficulty

        stability = self.stability

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "card_id": card_id,
                "due_at": due_at,
                "ease_factor": ease_factor,
                "interval_days": interval_days,
                "lesson_completed": lesson_completed,
                "passed": passed,
                "repetitions": repetitions,
            }
        )
        if difficulty is not UNSET:
            field_dict["difficulty"] = difficulty
        if stability is not UNSET:
            field_dict["stability"] = stability

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        card_id = UUID(d.pop("card_id"))

        due_at = datetime.datetime.fromisoformat(d.pop("due_at"))

        ease_factor = d.pop("ease_factor")

        interval_days = d.pop("interval_days")

        lesson_completed = d.pop("lesson_completed")

        passed = d.pop("passed")

        repetitions = d.pop("repetitions")

        difficulty = d.pop("difficulty", UNSET)

        stability = d.pop("stability", UNSET)

        review_response = cls(
            card_id=card_id,
            due_at=due_at,
            ease_factor=ease_factor,
            interval_days=interval_days,
            lesson_completed=lesson_completed,
            passed=passed,
            repetitions=repetitions,
            difficulty=difficulty,
            stability=stability,
        )

        review_response.additional_properties = d
        return review_response

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
