from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CheckoutRequest")


@_attrs_define
class CheckoutRequest:
    """A checkout of a course or a class. The body may be left out: a pending order.

    Example:
        {'payment_method': 'pm_card_visa'}

    Attributes:
        payment_method (str | Unset): A payment method made by the browser (a Stripe PaymentMethod id such as
            `pm_card_visa`): the payment is confirmed at once. Without it the order is pending
            and the browser confirms it with `client_secret`.
    """

    payment_method: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        payment_method = self.payment_method

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if payment_method is not UNSET:
            field_dict["payment_method"] = payment_method

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        payment_method = d.pop("payment_method", UNSET)

        checkout_request = cls(
            payment_method=payment_method,
        )

        return checkout_request
