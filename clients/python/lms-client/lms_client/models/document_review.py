from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DocumentReview")


@_attrs_define
class DocumentReview:
    """A card's review state for one learner: what both schedulers need.

    Attributes:
        due_at (datetime.datetime): When the card is due next.
        ease_factor (float): SM-2 ease factor (≥ 1.3).
        interval_days (int): The current interval in days.
        lapses (int): Failed answers after the card had been learnt.
        repetitions (int): SM-2 successful reviews in a row.
        difficulty (float | Unset): FSRS memory difficulty (1–10).
        last_reviewed_at (datetime.datetime | Unset): The last review.
        stability (float | Unset): FSRS memory stability in days.
    """

    due_at: datetime.datetime
    ease_factor: float
    interval_days: int
    lapses: int
    repetitions: int
    difficulty: float | Unset = UNSET
    last_reviewed_at: datetime.datetime | Unset = UNSET
    stability: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        due_at = self.due_at.isoformat()

        ease_factor = self.ease_factor

        interval_days = self.interval_days

        lapses = self.lapses

        repetitions = self.repetitions

        difficulty = self.difficulty

        last_reviewed_at: str | Unset = UNSET
        if not isinstance(self.last_reviewed_at, Unset):
            last_reviewed_at = self.last_reviewed_at.isoformat()

        stability = self.stability

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "due_at": due_at,
                "ease_factor": ease_factor,
                "interval_days": interval_days,
                "lapses": lapses,
                "repetitions": repetitions,
            }
        )
        if difficulty is not UNSET:
            field_dict["difficulty"] = difficulty
        if last_reviewed_at is not UNSET:
            field_dict["last_reviewed_at"] = last_reviewed_at
        if stability is not UNSET:
            field_dict["stability"] = stability

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        due_at = datetime.datetime.fromisoformat(d.pop("due_at"))

        ease_factor = d.pop("ease_factor")

        interval_days = d.pop("interval_days")

        lapses = d.pop("lapses")

        repetitions = d.pop("repetitions")

        difficulty = d.pop("difficulty", UNSET)

        _last_reviewed_at = d.pop("last_reviewed_at", UNSET)
        last_reviewed_at: datetime.datetime | Unset
        if isinstance(_last_reviewed_at, Unset):
            last_reviewed_at = UNSET
        else:
            last_reviewed_at = datetime.datetime.fromisoformat(_last_reviewed_at)

        stability = d.pop("stability", UNSET)

        document_review = cls(
            due_at=due_at,
            ease_factor=ease_factor,
            interval_days=interval_days,
            lapses=lapses,
            repetitions=repetitions,
            difficulty=difficulty,
            last_reviewed_at=last_reviewed_at,
            stability=stability,
        )

        document_review.additional_properties = d
        return document_review

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
