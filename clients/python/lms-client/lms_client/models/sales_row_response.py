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
    """One product's sales in one currency: a course's, or a class's sold as a whole.

    Attributes:
        currency (str): ISO 4217 currency code.
        gross_minor (int): Paid, in minor units.
        net_minor (int): Gross minus refunded.
        orders_failed (int): Orders whose payment failed.
        orders_paid (int): Orders paid (refunded since or not).
        refunded_minor (int): Refunded of that.
        class_id (UUID | Unset): The class, for class sales.
        course_id (UUID | Unset): The course, for course sales.
        payment_success_rate_percent (int | Unset): Paid out of paid and failed, in percent, rounded down.
    """

    currency: str
    gross_minor: int
    net_minor: int
    orders_failed: int
    orders_paid: int
    refunded_minor: int
    class_id: UUID | Unset = UNSET
    course_id: UUID | Unset = UNSET
    payment_success_rate_percent: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        gross_minor = self.gross_minor

        net_minor = self.net_minor

        orders_failed = self.orders_failed

        orders_paid = self.orders_paid

        refunded_minor = self.refunded_minor

        class_id: str | Unset = UNSET
        if not isinstance(self.class_id, Unset):
            class_id = str(self.class_id)

        course_id: str | Unset = UNSET
        if not isinstance(self.course_id, Unset):
            course_id = str(self.course_id)

        payment_success_rate_percent = self.payment_success_rate_percent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "gross_minor": gross_minor,
                "net_minor": net_minor,
                "orders_failed": orders_failed,
                "orders_paid": orders_paid,
                "refunded_minor": refunded_minor,
            }
        )
        if class_id is not UNSET:
            field_dict["class_id"] = class_id
        if course_id is not UNSET:
            field_dict["course_id"] = course_id
        if payment_success_rate_percent is not UNSET:
            field_dict["payment_success_rate_percent"] = payment_success_rate_percent

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        currency = d.pop("currency")

        gross_minor = d.pop("gross_minor")

        net_minor = d.pop("net_minor")

        orders_failed = d.pop("orders_failed")

        orders_paid = d.pop("orders_paid")

        refunded_minor = d.pop("refunded_minor")

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

        payment_success_rate_percent = d.pop("payment_success_rate_percent", UNSET)

        sales_row_response = cls(
            currency=currency,
            gross_minor=gross_minor,
            net_minor=net_minor,
            orders_failed=orders_failed,
            orders_paid=orders_paid,
            refunded_minor=refunded_minor,
            class_id=class_id,
            course_id=course_id,
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
