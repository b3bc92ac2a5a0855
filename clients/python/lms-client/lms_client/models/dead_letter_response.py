from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeadLetterResponse")


@_attrs_define
class DeadLetterResponse:
    """An event a subscriber failed to take in every attempt.

    Attributes:
        attempts (int): Attempts made.
        event_id (UUID): The event's id.
        event_type (str): The event's type.
        failed_at (datetime.datetime): When the last attempt failed.
        id (UUID): The dead letter's id (replay it by this).
        last_error (str): Why the last attempt failed.
        occurred_at (datetime.datetime): When the event happened.
        subscriber (str): The subscriber that failed (`webhook:<endpoint id>`, …).
    """

    attempts: int
    event_id: UUID
    event_type: str
    failed_at: datetime.datetime
    id: UUID
    last_error: str
    occurred_at: datetime.datetime
    subscriber: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        event_id = str(self.event_id)

        event_type = self.event_type

        failed_at = self.failed_at.isoformat()

        id = str(self.id)

        last_error = self.last_error

        occurred_at = self.occurred_at.isoformat()

        subscriber = self.subscriber

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "event_id": event_id,
                "event_type": event_type,
                "failed_at": failed_at,
                "id": id,
                "last_error": last_error,
                "occurred_at": occurred_at,
                "subscriber": subscriber,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        event_id = UUID(d.pop("event_id"))

        event_type = d.pop("event_type")

        failed_at = datetime.datetime.fromisoformat(d.pop("failed_at"))

        id = UUID(d.pop("id"))

        last_error = d.pop("last_error")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        subscriber = d.pop("subscriber")

        dead_letter_response = cls(
            attempts=attempts,
            event_id=event_id,
            event_type=event_type,
            failed_at=failed_at,
            id=id,
            last_error=last_error,
            occurred_at=occurred_at,
            subscriber=subscriber,
        )

        dead_letter_response.additional_properties = d
        return dead_letter_response

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
