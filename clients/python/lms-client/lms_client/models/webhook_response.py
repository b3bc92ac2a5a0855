from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookResponse")


@_attrs_define
class WebhookResponse:
    """A webhook endpoint.

    Attributes:
        created_at (datetime.datetime): Creation time.
        enabled (bool): Whether events are delivered to it.
        event_types (list[str]): The event types it receives; empty for all.
        id (UUID): Identifier.
        updated_at (datetime.datetime): Last change.
        url (str): Where events are POSTed.
        description (str | Unset): What it is for.
        secret (str | Unset): The current signing secret (`whsec_…`): only in the answers to creation and to a
            rotation.
    """

    created_at: datetime.datetime
    enabled: bool
    event_types: list[str]
    id: UUID
    updated_at: datetime.datetime
    url: str
    description: str | Unset = UNSET
    secret: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        enabled = self.enabled

        event_types = self.event_types

        id = str(self.id)

        updated_at = self.updated_at.isoformat()

        url = self.url

        description = self.description

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "enabled": enabled,
                "event_types": event_types,
                "id": id,
                "updated_at": updated_at,
                "url": url,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        enabled = d.pop("enabled")

        event_types = cast(list[str], d.pop("event_types"))

        id = UUID(d.pop("id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        description = d.pop("description", UNSET)

        secret = d.pop("secret", UNSET)

        webhook_response = cls(
            created_at=created_at,
            enabled=enabled,
            event_types=event_types,
            id=id,
            updated_at=updated_at,
            url=url,
            description=description,
            secret=secret,
        )

        webhook_response.additional_properties = d
        return webhook_response

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
