from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.plan_interval import PlanInterval

T = TypeVar("T", bound="CreatePlanRequest")


@_attrs_define
class CreatePlanRequest:
    """A new plan.

    Example:
        {'amount_minor': 1500, 'currency': 'EUR', 'interval': 'month', 'name': 'Premium monthly'}

    Attributes:
        amount_minor (int): What each period costs, in minor units.
        currency (str): ISO 4217 currency code.
        interval (PlanInterval): How often a plan charges.
        name (str): Its name.
    """

    amount_minor: int
    currency: str
    interval: PlanInterval
    name: str

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        currency = self.currency

        interval = self.interval.value

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount_minor": amount_minor,
                "currency": currency,
                "interval": interval,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        currency = d.pop("currency")

        interval = PlanInterval(d.pop("interval"))

        name = d.pop("name")

        create_plan_request = cls(
            amount_minor=amount_minor,
            currency=currency,
            interval=interval,
            name=name,
        )

        return create_plan_request
