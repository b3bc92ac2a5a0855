from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.study_state_name import StudyStateName

T = TypeVar("T", bound="DueCardResponse")


@_attrs_define
class DueCardResponse:
    """A card to study now.

    Attributes:
        back (str): Its back.
        card_id (UUID): The card.
        due_at (datetime.datetime): Since when it is due.
        front (str): Its front.
        state (StudyStateName): Where a card stands for the learner.
        tags (list[str]): Its tags.
    """

    back: str
    card_id: UUID
    due_at: datetime.datetime
    front: str
    state: StudyStateName
    tags: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        back = self.back

        card_id = str(self.card_id)

        due_at = self.due_at.isoformat()

        front = self.front

        state = self.state.value

        tags = self.tags

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "back": back,
                "card_id": card_id,
                "due_at": due_at,
                "front": front,
                "state": state,
                "tags": tags,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        back = d.pop("back")

        card_id = UUID(d.pop("card_id"))

        due_at = datetime.datetime.fromisoformat(d.pop("due_at"))

        front = d.pop("front")

        state = StudyStateName(d.pop("state"))

        tags = cast(list[str], d.pop("tags"))

        due_card_response = cls(
            back=back,
            card_id=card_id,
            due_at=due_at,
            front=front,
            state=state,
            tags=tags,
        )

        due_card_response.additional_properties = d
        return due_card_response

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
