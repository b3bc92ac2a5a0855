from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BusinessDayResponse")


@_attrs_define
class BusinessDayResponse:
    """One day's payments in one currency.

    Attributes:
        currency (str): ISO 4217 currency code.
        date (str): The day (UTC).
        gross_minor (int): Paid, in minor units.
        mrr_minor (int): Monthly recurring revenue at the end of the day, in minor units.
        orders_failed (int): Orders whose payment failed.
        orders_paid (int): Orders paid.
        refunded_minor (int): Refunded, in minor units.
        subscriptions_ended (int): Subscriptions that stopped paying (churn).
        subscriptions_started (int): Subscriptions that started paying.
    """

    currency: str
    date: str
    gross_minor: int
    mrr_minor: int
    orders_failed: int
    orders_paid: int
    refunded_minor: int
    subscriptions_ended: int
    subscriptions_started: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        date = self.date

        gross_minor = self.gross_minor

        mrr_minor = self.mrr_minor

        orders_failed = self.orders_failed

        orders_paid = self.orders_paid

        refunded_minor = self.refunded_minor

        subscriptions_ended = self.subscriptions_ended

        subscriptions_started = self.subscriptions_started

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "date": date,
                "gross_minor": gross_minor,
                "mrr_minor": mrr_minor,
                "orders_failed": orders_failed,
                "orders_paid": orders_paid,
                "refunded_minor": refunded_minor,
                "subscriptions_ended": subscriptions_ended,
                "subscriptions_started": subscriptions_started,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        currency = d.pop("currency")

        date = d.pop("date")

        gross_minor = d.pop("gross_minor")

        mrr_minor = d.pop("mrr_minor")

        orders_failed = d.pop("orders_failed")

        orders_paid = d.pop("orders_paid")

        refunded_minor = d.pop("refunded_minor")

        subscriptions_ended = d.pop("subscriptions_ended")

        subscriptions_started = d.pop("subscriptions_started")

        business_day_response = cls(
            currency=currency,
            date=date,
            gross_minor=gross_minor,
            mrr_minor=mrr_minor,
            orders_failed=orders_failed,
            orders_paid=orders_paid,
            refunded_minor=refunded_minor,
            subscriptions_ended=subscriptions_ended,
            subscriptions_started=subscriptions_started,
        )

        business_day_response.additional_properties = d
        return business_day_response

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
