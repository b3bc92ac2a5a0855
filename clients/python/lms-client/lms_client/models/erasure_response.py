from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.erasure_status_view import ErasureStatusView
from ..types import UNSET, Unset

T = TypeVar("T", bound="ErasureResponse")


@_attrs_define
class ErasureResponse:
    """An erasure request.

    Attributes:
        channel (str): `self_service` or `admin`.
        id (UUID): Identifier.
        not_before (datetime.datetime): When it starts (the end of the cool-off window).
        requested_at (datetime.datetime): When it was asked for.
        status (ErasureStatusView): Where an erasure request stands.
        steps_done (list[str]): The steps done so far.
        user_id (UUID): The user to erase.
        closed_at (datetime.datetime | Unset): When it completed or was cancelled.
    """

    channel: str
    id: UUID
    not_before: datetime.datetime
    requested_at: datetime.datetime
    status: ErasureStatusView
    steps_done: list[str]
    user_id: UUID
    closed_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        id = str(self.id)

        not_before = self.not_before.isoformat()

        requested_at = self.requested_at.isoformat()

        status = self.status.value

        steps_done = self.steps_done

        user_id = str(self.user_id)

        closed_at: str | Unset = UNSET
        if not isinstance(self.closed_at, Unset):
            closed_at = self.closed_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel": channel,
                "id": id,
                "not_before": not_before,
                "requested_at": requested_at,
                "status": status,
                "steps_done": steps_done,
                "user_id": user_id,
            }
        )
        if closed_at is not UNSET:
            field_dict["closed_at"] = closed_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = d.pop("channel")

        id = UUID(d.pop("id"))

        not_before = datetime.datetime.fromisoformat(d.pop("not_before"))

        requested_at = datetime.datetime.fromisoformat(d.pop("requested_at"))

        status = ErasureStatusView(d.pop("status"))

        steps_done = cast(list[str], d.pop("steps_done"))

        user_id = UUID(d.pop("user_id"))

        _closed_at = d.pop("closed_at", UNSET)
        closed_at: datetime.datetime | Unset
        if isinstance(_closed_at, Unset):
            closed_at = UNSET
        else:
            closed_at = datetime.datetime.fromisoformat(_closed_at)

        erasure_response = cls(
            channel=channel,
            id=id,
            not_before=not_before,
            requested_at=requested_at,
            status=status,
            steps_done=steps_done,
            user_id=user_id,
            closed_at=closed_at,
        )

        erasure_response.additional_properties = d
        return erasure_response

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
