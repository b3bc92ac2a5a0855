from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MrrRowResponse")


@_attrs_define
class MrrRowResponse:
    """Recurring revenue in one currency.

    Attributes:
        active_subscriptions (int): Subscriptions paying now.
        cancelled_in_period (int): Subscriptions that stopped paying in the period (cancelled or lapsed).
        currency (str): ISO 4217 currency code.
        mrr_minor (int): Their monthly revenue, in minor units (a yearly plan counts a twelfth).
        churn_rate_percent (int | Unset): Churn in the period, in percent, rounded down.
    """

    active_subscriptions: int
    cancelled_in_period: int
    currency: str
    mrr_minor: int
    churn_rate_percent: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_subscriptions = self.active_subscriptions

        cancelled_in_period = self.cancelled_in_period

        currency = self.currency

        mrr_minor = self.mrr_minor

        churn_rate_percent = self.churn_rate_percent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_subscriptions": active_subscriptions,
                "cancelled_in_period": cancelled_in_period,
                "currency": currency,
                "mrr_minor": mrr_minor,
            }
        )
        if churn_rate_percent is not UNSET:
            field_dict["churn_rate_percent"] = churn_rate_percent

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active_subscriptions = d.pop("active_subscriptions")

        cancelled_in_period = d.pop("cancelled_in_period")

        currency = d.pop("currency")

        mrr_minor = d.pop("mrr_minor")

        churn_rate_percent = d.pop("churn_rate_percent", UNSET)

        mrr_row_response = cls(
            active_subscriptions=active_subscriptions,
            cancelled_in_period=cancelled_in_period,
            currency=currency,
            mrr_minor=mrr_minor,
            churn_rate_percent=churn_rate_percent,
        )

        mrr_row_response.additional_properties = d
        return mrr_row_response

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
