from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.rating_name import RatingName

T = TypeVar("T", bound="RatingAnswer")


@_attrs_define
class RatingAnswer:
    """A rating answer.

    Attributes:
        rating (RatingName): A rating of a recall.
    """

    rating: RatingName

    def to_dict(self) -> dict[str, Any]:
        rating = self.rating.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "rating": rating,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rating = RatingName(d.pop("rating"))

        rating_answer = cls(
            rating=rating,
        )

        return rating_answer
