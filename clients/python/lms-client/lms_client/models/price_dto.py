from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PriceDto")


@_attrs_define
class PriceDto:
    """A price in minor units of a currency.

    Example:
        {'amount_minor': 4900, 'currency': 'EUR'}

    Attributes:
        amount_minor (int): Amount in minor units (cents), 1 to 10^12.
        currency (str): ISO 4217 code: three letters.
    """

    amount_minor: int
    currency: str

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        currency = self.currency

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount_minor": amount_minor,
                "currency": currency,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        currency = d.pop("currency")

        price_dto = cls(
            amount_minor=amount_minor,
            currency=currency,
        )

        return price_dto
