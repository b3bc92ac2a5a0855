from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SalesRowResponse")


@_attrs_define
class SalesRowResponse:
    """One course's sales in one currency.

    Attributes:
        course_id (UUID): The course.
        currency (str): ISO 4217 currency code.
        gross_minor (int): Paid, in minor units.
        net_minor (int): Gross minus refunded.
        orders_failed (int): Orders whose payment failed.
        orders_paid (int): Orders paid (refunded since or not).
        refunded_minor (int): Refunded of that.
        payment_success_rate_percent (int | Unset): Paid out of paid and failed, in percent, rounded down.
    """

    course_id: UUID
    currency: str
    gross_minor: int
    net_minor: int
    orders_failed: int
    orders_paid: int
    refunded_minor: int
    payment_success_rate_percent: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        course_id = str(self.course_id)

        currency = self.currency

        gross_minor = self.gross_minor

        net_minor = self.net_minor

        orders_failed = self.orders_failed

        orders_paid = self.orders_paid

        refunded_minor = self.refunded_minor

        payment_success_rate_percent = self.payment_success_rate_percent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "course_id": course_id,
                "currency": currency,
                "gross_minor": gross_minor,
                "net_minor": net_minor,
                "orders_failed": orders_failed,
                "orders_paid": orders_paid,
                "refunded_minor": refunded_minor,
            }
        )
        if payment_success_rate_percent is not UNSET:
            field_dict["payment_success_rate_percent"] = payment_success_rate_percent

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        course_id = UUID(d.pop("course_id"))

        currency = d.pop("currency")

        gross_minor = d.pop("gross_minor")

        net_minor = d.pop("net_minor")

        orders_failed = d.pop("orders_failed")

        orders_paid = d.pop("orders_paid")

        refunded_minor = d.pop("refunded_minor")

        payment_success_rate_percent = d.pop("payment_success_rate_percent", UNSET)

        sales_row_response = cls(
            course_id=course_id,
            currency=currency,
            gross_minor=gross_minor,
            net_minor=net_minor,
            orders_failed=orders_failed,
            orders_paid=orders_paid,
            refunded_minor=refunded_minor,
            payment_success_rate_percent=payment_success_rate_percent,
        )

        sales_row_response.additional_properties = d
        return sales_row_response

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
