from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="SubscribeRequest")


@_attrs_define
class SubscribeRequest:
    """A subscription to start.

    Example:
        {'payment_method': 'pm_card_visa', 'plan_id': '01a2082b-d0f0-7c4e-9f22-2e3d4c5b6a7f'}

    Attributes:
        payment_method (str): The payment method charged each period (a Stripe PaymentMethod id).
        plan_id (UUID): The plan.
    """

    payment_method: str
    plan_id: UUID

    def to_dict(self) -> dict[str, Any]:
        payment_method = self.payment_method

        plan_id = str(self.plan_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "payment_method": payment_method,
                "plan_id": plan_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        payment_method = d.pop("payment_method")

        plan_id = UUID(d.pop("plan_id"))

        subscribe_request = cls(
            payment_method=payment_method,
            plan_id=plan_id,
        )

        return subscribe_request
