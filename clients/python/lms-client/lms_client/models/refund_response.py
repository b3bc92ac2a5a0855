from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RefundResponse")


@_attrs_define
class RefundResponse:
    """A refund.

    Example:
        {'amount_minor': 2000, 'created_at': '2026-12-04T10:00:00Z', 'currency': 'EUR', 'id':
            '01a2082b-d0a2-7b2d-8e11-1d2c3b4a5f6e', 'order_id': '01a2082b-d001-7a3c-9a10-0c2b3f4e5d6a', 'reason': 'Requested
            within 14 days', 'status': 'succeeded'}

    Attributes:
        amount_minor (int): How much, in minor units.
        created_at (datetime.datetime): Creation time.
        currency (str): ISO 4217 currency code.
        id (UUID): Identifier.
        order_id (UUID): The order refunded.
        status (str): `pending`, `succeeded` or `failed`.
        provider_reference (str | Unset): The refund's id at the provider (Stripe's `re_…`), once it has one: what to
            look
            for in the provider's dashboard.
        reason (str | Unset): Why.
    """

    amount_minor: int
    created_at: datetime.datetime
    currency: str
    id: UUID
    order_id: UUID
    status: str
    provider_reference: str | Unset = UNSET
    reason: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        created_at = self.created_at.isoformat()

        currency = self.currency

        id = str(self.id)

        order_id = str(self.order_id)

        status = self.status

        provider_reference = self.provider_reference

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "created_at": created_at,
                "currency": currency,
                "id": id,
                "order_id": order_id,
                "status": status,
            }
        )
        if provider_reference is not UNSET:
            field_dict["provider_reference"] = provider_reference
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        id = UUID(d.pop("id"))

        order_id = UUID(d.pop("order_id"))

        status = d.pop("status")

        provider_reference = d.pop("provider_reference", UNSET)

        reason = d.pop("reason", UNSET)

        refund_response = cls(
            amount_minor=amount_minor,
            created_at=created_at,
            currency=currency,
            id=id,
            order_id=order_id,
            status=status,
            provider_reference=provider_reference,
            reason=reason,
        )

        refund_response.additional_properties = d
        return refund_response

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
