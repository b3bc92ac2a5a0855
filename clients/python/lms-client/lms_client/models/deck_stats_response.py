from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DeckStatsResponse")


@_attrs_define
class DeckStatsResponse:
    """A learner's statistics of a deck.

    Attributes:
        cards (int): Cards in the deck.
        due_today (int): Studied cards due by the end of today (UTC).
        new_available_today (int): New cards that may still be started today.
        reviewed_today (int): Reviews made today.
        studied (int): Cards studied at least once.
        retention_30_days (float | Unset): Passing answers among reviews of studied cards in the last 30 days, in
            percent.
    """

    cards: int
    due_today: int
    new_available_today: int
    reviewed_today: int
    studied: int
    retention_30_days: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cards = self.cards

        due_today = self.due_today

        new_available_today = self.new_available_today

        reviewed_today = self.reviewed_today

        studied = self.studied

        retention_30_days = self.retention_30_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cards": cards,
                "due_today": due_today,
                "new_available_today": new_available_today,
                "reviewed_today": reviewed_today,
                "studied": studied,
            }
        )
        if retention_30_days is not UNSET:
            field_dict["retention_30_days"] = retention_30_days

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cards = d.pop("cards")

        due_today = d.pop("due_today")

        new_available_today = d.pop("new_available_today")

        reviewed_today = d.pop("reviewed_today")

        studied = d.pop("studied")

        retention_30_days = d.pop("retention_30_days", UNSET)

        deck_stats_response = cls(
            cards=cards,
            due_today=due_today,
            new_available_today=new_available_today,
            reviewed_today=reviewed_today,
            studied=studied,
            retention_30_days=retention_30_days,
        )

        deck_stats_response.additional_properties = d
        return deck_stats_response

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
