from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookAttemptResponse")


@_attrs_define
class WebhookAttemptResponse:
    """One delivery attempt.

    Attributes:
        attempted_at (datetime.datetime): When the attempt started.
        delivered (bool): Whether the endpoint took the event (a 2xx answer).
        event_id (UUID): The event (the `webhook-id` header).
        event_type (str): Its type.
        id (UUID): Identifier.
        latency_ms (int): How long the attempt took, in milliseconds.
        error (str | Unset): Why it failed, if it did.
        status_code (int | Unset): The HTTP status the endpoint answered, if it answered.
    """

    attempted_at: datetime.datetime
    delivered: bool
    event_id: UUID
    event_type: str
    id: UUID
    latency_ms: int
    error: str | Unset = UNSET
    status_code: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempted_at = self.attempted_at.isoformat()

        delivered = self.delivered

        event_id = str(self.event_id)

        event_type = self.event_type

        id = str(self.id)

        latency_ms = self.latency_ms

        error = self.error

        status_code = self.status_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempted_at": attempted_at,
                "delivered": delivered,
                "event_id": event_id,
                "event_type": event_type,
                "id": id,
                "latency_ms": latency_ms,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if status_code is not UNSET:
            field_dict["status_code"] = status_code

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempted_at = datetime.datetime.fromisoformat(d.pop("attempted_at"))

        delivered = d.pop("delivered")

        event_id = UUID(d.pop("event_id"))

        event_type = d.pop("event_type")

        id = UUID(d.pop("id"))

        latency_ms = d.pop("latency_ms")

        error = d.pop("error", UNSET)

        status_code = d.pop("status_code", UNSET)

        webhook_attempt_response = cls(
            attempted_at=attempted_at,
            delivered=delivered,
            event_id=event_id,
            event_type=event_type,
            id=id,
            latency_ms=latency_ms,
            error=error,
            status_code=status_code,
        )

        webhook_attempt_response.additional_properties = d
        return webhook_attempt_response

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
