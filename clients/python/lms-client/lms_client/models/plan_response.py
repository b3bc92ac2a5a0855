from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PlanResponse")


@_attrs_define
class PlanResponse:
    """A plan.

    Attributes:
        amount_minor (int): What each period costs, in minor units.
        created_at (datetime.datetime): Creation time.
        currency (str): ISO 4217 currency code.
        id (UUID): Identifier.
        interval (str): `month` or `year`.
        name (str): Its name.
    """

    amount_minor: int
    created_at: datetime.datetime
    currency: str
    id: UUID
    interval: str
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        created_at = self.created_at.isoformat()

        currency = self.currency

        id = str(self.id)

        interval = self.interval

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "created_at": created_at,
                "currency": currency,
                "id": id,
                "interval": interval,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        id = UUID(d.pop("id"))

        interval = d.pop("interval")

        name = d.pop("name")

        plan_response = cls(
            amount_minor=amount_minor,
            created_at=created_at,
            currency=currency,
            id=id,
            interval=interval,
            name=name,
        )

        plan_response.additional_properties = d
        return plan_response

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
