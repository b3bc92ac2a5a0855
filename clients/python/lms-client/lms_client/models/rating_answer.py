from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.rating_name import RatingName
from ..types import UNSET, Unset

T = TypeVar("T", bound="RatingAnswer")


@_attrs_define
class RatingAnswer:
    """A rating answer.

    Attributes:
        rating (RatingName): A rating of a recall.
        duration_ms (int | Unset): How long the learner took to answer, in milliseconds, as the client measured it:
            the review's study time in the analytics (a minute at most is counted).
    """

    rating: RatingName
    duration_ms: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        rating = self.rating.value

        duration_ms = self.duration_ms

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "rating": rating,
            }
        )
        if duration_ms is not UNSET:
            field_dict["duration_ms"] = duration_ms

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rating = RatingName(d.pop("rating"))

        duration_ms = d.pop("duration_ms", UNSET)

        rating_answer = cls(
            rating=rating,
            duration_ms=duration_ms,
        )

        return rating_answer
