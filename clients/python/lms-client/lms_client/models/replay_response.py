from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReplayResponse")


@_attrs_define
class ReplayResponse:
    """A replayed event, waiting for its next attempt.

    Attributes:
        due_at (datetime.datetime): When it is attempted (the relay's next pass).
        event_id (UUID): The event's id.
        subscriber (str): The subscriber it goes to.
    """

    due_at: datetime.datetime
    event_id: UUID
    subscriber: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        due_at = self.due_at.isoformat()

        event_id = str(self.event_id)

        subscriber = self.subscriber

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "due_at": due_at,
                "event_id": event_id,
                "subscriber": subscriber,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        due_at = datetime.datetime.fromisoformat(d.pop("due_at"))

        event_id = UUID(d.pop("event_id"))

        subscriber = d.pop("subscriber")

        replay_response = cls(
            due_at=due_at,
            event_id=event_id,
            subscriber=subscriber,
        )

        replay_response.additional_properties = d
        return replay_response

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
