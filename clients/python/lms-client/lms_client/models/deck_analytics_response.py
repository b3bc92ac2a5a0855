from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DeckAnalyticsResponse")


@_attrs_define
class DeckAnalyticsResponse:
    """A flashcard deck's reviews by every learner, and its retention.

    Attributes:
        deck_id (UUID): The deck.
        recalled (int): Of those, the ones that passed.
        recalls (int): Reviews of cards due for recall (reviewed before, on an earlier day).
        review_seconds (float): The reviews' answer time, in seconds.
        reviews (int): Reviews.
        title (str): Its title.
        retention (float | None | Unset): Recalled out of recalls, 0–1 (4 decimals): the retention; null without
            recalls.
    """

    deck_id: UUID
    recalled: int
    recalls: int
    review_seconds: float
    reviews: int
    title: str
    retention: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deck_id = str(self.deck_id)

        recalled = self.recalled

        recalls = self.recalls

        review_seconds = self.review_seconds

        reviews = self.reviews

        title = self.title

        retention: float | None | Unset
        if isinstance(self.retention, Unset):
            retention = UNSET
        else:
            retention = self.retention

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deck_id": deck_id,
                "recalled": recalled,
                "recalls": recalls,
                "review_seconds": review_seconds,
                "reviews": reviews,
                "title": title,
            }
        )
        if retention is not UNSET:
            field_dict["retention"] = retention

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deck_id = UUID(d.pop("deck_id"))

        recalled = d.pop("recalled")

        recalls = d.pop("recalls")

        review_seconds = d.pop("review_seconds")

        reviews = d.pop("reviews")

        title = d.pop("title")

        def _parse_retention(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        retention = _parse_retention(d.pop("retention", UNSET))

        deck_analytics_response = cls(
            deck_id=deck_id,
            recalled=recalled,
            recalls=recalls,
            review_seconds=review_seconds,
            reviews=reviews,
            title=title,
            retention=retention,
        )

        deck_analytics_response.additional_properties = d
        return deck_analytics_response

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
