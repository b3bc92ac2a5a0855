from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.payment_failure_response import PaymentFailureResponse


T = TypeVar("T", bound="OrderResponse")


@_attrs_define
class OrderResponse:
    """An order.

    Attributes:
        amount_minor (int): The price, in minor units.
        buyer_id (UUID): The buyer.
        course_ids (list[UUID]): The courses the order gives access to once paid.
        created_at (datetime.datetime): Creation time.
        currency (str): ISO 4217 currency code.
        id (UUID): Identifier.
        provider (str): `stripe` or `manual`.
        refunded_minor (int): Refunded so far, in minor units.
        status (str): `pending`, `paid`, `failed`, `partially_refunded` or `refunded`.
        updated_at (datetime.datetime): Last change.
        class_id (UUID | Unset): The class bought; absent for a course order.
        course_id (UUID | Unset): The course bought; absent for a class order.
        failure (PaymentFailureResponse | Unset): Why a payment failed.
        paid_at (datetime.datetime | Unset): When the payment went through.
        provider_reference (str | Unset): The provider's payment id.
    """

    amount_minor: int
    buyer_id: UUID
    course_ids: list[UUID]
    created_at: datetime.datetime
    currency: str
    id: UUID
    provider: str
    refunded_minor: int
    status: str
    updated_at: datetime.datetime
    class_id: UUID | Unset = UNSET
    course_id: UUID | Unset = UNSET
    failure: PaymentFailureResponse | Unset = UNSET
    paid_at: datetime.datetime | Unset = UNSET
    provider_reference: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        buyer_id = str(self.buyer_id)

        course_ids = []
        for course_ids_item_data in self.course_ids:
            course_ids_item = str(course_ids_item_data)
            course_ids.append(course_ids_item)

        created_at = self.created_at.isoformat()

        currency = self.currency

        id = str(self.id)

        provider = self.provider

        refunded_minor = self.refunded_minor

        status = self.status

        updated_at = self.updated_at.isoformat()

        class_id: str | Unset = UNSET
        if not isinstance(self.class_id, Unset):
            class_id = str(self.class_id)

        course_id: str | Unset = UNSET
        if not isinstance(self.course_id, Unset):
            course_id = str(self.course_id)

        failure: dict[str, Any] | Unset = UNSET
        if not isinstance(self.failure, Unset):
            failure = self.failure.to_dict()

        paid_at: str | Unset = UNSET
        if not isinstance(self.paid_at, Unset):
            paid_at = self.paid_at.isoformat()

        provider_reference = self.provider_reference

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "buyer_id": buyer_id,
                "course_ids": course_ids,
                "created_at": created_at,
                "currency": currency,
                "id": id,
                "provider": provider,
                "refunded_minor": refunded_minor,
                "status": status,
                "updated_at": updated_at,
            }
        )
        if class_id is not UNSET:
            field_dict["class_id"] = class_id
        if course_id is not UNSET:
            field_dict["course_id"] = course_id
        if failure is not UNSET:
            field_dict["failure"] = failure
        if paid_at is not UNSET:
            field_dict["paid_at"] = paid_at
        if provider_reference is not UNSET:
            field_dict["provider_reference"] = provider_reference

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.payment_failure_response import PaymentFailureResponse  # noqa: PLC0415

        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        buyer_id = UUID(d.pop("buyer_id"))

        course_ids = []
        _course_ids = d.pop("course_ids")
        for course_ids_item_data in _course_ids:
            course_ids_item = UUID(course_ids_item_data)

            course_ids.append(course_ids_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        id = UUID(d.pop("id"))

        provider = d.pop("provider")

        refunded_minor = d.pop("refunded_minor")

        status = d.pop("status")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        _class_id = d.pop("class_id", UNSET)
        class_id: UUID | Unset
        if isinstance(_class_id, Unset):
            class_id = UNSET
        else:
            class_id = UUID(_class_id)

        _course_id = d.pop("course_id", UNSET)
        course_id: UUID | Unset
        if isinstance(_course_id, Unset):
            course_id = UNSET
        else:
            course_id = UUID(_course_id)

        _failure = d.pop("failure", UNSET)
        failure: PaymentFailureResponse | Unset
        if isinstance(_failure, Unset):
            failure = UNSET
        else:
            failure = PaymentFailureResponse.from_dict(_failure)

        _paid_at = d.pop("paid_at", UNSET)
        paid_at: datetime.datetime | Unset
        if isinstance(_paid_at, Unset):
            paid_at = UNSET
        else:
            paid_at = datetime.datetime.fromisoformat(_paid_at)

        provider_reference = d.pop("provider_reference", UNSET)

        order_response = cls(
            amount_minor=amount_minor,
            buyer_id=buyer_id,
            course_ids=course_ids,
            created_at=created_at,
            currency=currency,
            id=id,
            provider=provider,
            refunded_minor=refunded_minor,
            status=status,
            updated_at=updated_at,
            class_id=class_id,
            course_id=course_id,
            failure=failure,
            paid_at=paid_at,
            provider_reference=provider_reference,
        )

        order_response.additional_properties = d
        return order_response

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
