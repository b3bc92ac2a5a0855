from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SubscriptionResponse")


@_attrs_define
class SubscriptionResponse:
    """A premium subscription.

    Example:
        {'cancel_at_period_end': False, 'current_period_end': '2027-01-04T10:00:00Z', 'id':
            '01a2082b-d111-7d5f-8a33-3f4e5d6c7b80', 'plan_id': '01a2082b-d0f0-7c4e-9f22-2e3d4c5b6a7f', 'status': 'active'}

    Attributes:
        cancel_at_period_end (bool): Whether it ends at the period's end rather than renewing.
        id (UUID): Identifier.
        plan_id (UUID): The plan.
        status (str): `incomplete`, `active`, `past_due` or `cancelled`.
        current_period_end (datetime.datetime | None | Unset): When the paid period ends.
    """

    cancel_at_period_end: bool
    id: UUID
    plan_id: UUID
    status: str
    current_period_end: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cancel_at_period_end = self.cancel_at_period_end

        id = str(self.id)

        plan_id = str(self.plan_id)

        status = self.status

        current_period_end: None | str | Unset
        if isinstance(self.current_period_end, Unset):
            current_period_end = UNSET
        elif isinstance(self.current_period_end, datetime.datetime):
            current_period_end = self.current_period_end.isoformat()
        else:
            current_period_end = self.current_period_end

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cancel_at_period_end": cancel_at_period_end,
                "id": id,
                "plan_id": plan_id,
                "status": status,
            }
        )
        if current_period_end is not UNSET:
            field_dict["current_period_end"] = current_period_end

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cancel_at_period_end = d.pop("cancel_at_period_end")

        id = UUID(d.pop("id"))

        plan_id = UUID(d.pop("plan_id"))

        status = d.pop("status")

        def _parse_current_period_end(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                current_period_end_type_0 = datetime.datetime.fromisoformat(data)

                return current_period_end_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        current_period_end = _parse_current_period_end(d.pop("current_period_end", UNSET))

        subscription_response = cls(
            cancel_at_period_end=cancel_at_period_end,
            id=id,
            plan_id=plan_id,
            status=status,
            current_period_end=current_period_end,
        )

        subscription_response.additional_properties = d
        return subscription_response

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
