from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreatorRevenueRowResponse")


@_attrs_define
class CreatorRevenueRowResponse:
    """One creator's revenue in one currency.

    Attributes:
        creator_id (UUID): The creator (the course's instructor).
        creator_minor (int): The creator's part of the sales.
        creator_net_minor (int): The creator's part after refunds.
        currency (str): ISO 4217 currency code.
        gross_minor (int): Paid, in minor units.
        platform_minor (int): The platform's part.
        platform_net_minor (int): The platform's part after refunds.
        refunded_minor (int): Refunded.
        sales (int): Orders paid.
    """

    creator_id: UUID
    creator_minor: int
    creator_net_minor: int
    currency: str
    gross_minor: int
    platform_minor: int
    platform_net_minor: int
    refunded_minor: int
    sales: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        creator_id = str(self.creator_id)

        creator_minor = self.creator_minor

        creator_net_minor = self.creator_net_minor

        currency = self.currency

        gross_minor = self.gross_minor

        platform_minor = self.platform_minor

        platform_net_minor = self.platform_net_minor

        refunded_minor = self.refunded_minor

        sales = self.sales

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "creator_id": creator_id,
                "creator_minor": creator_minor,
                "creator_net_minor": creator_net_minor,
                "currency": currency,
                "gross_minor": gross_minor,
                "platform_minor": platform_minor,
                "platform_net_minor": platform_net_minor,
                "refunded_minor": refunded_minor,
                "sales": sales,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        creator_id = UUID(d.pop("creator_id"))

        creator_minor = d.pop("creator_minor")

        creator_net_minor = d.pop("creator_net_minor")

        currency = d.pop("currency")

        gross_minor = d.pop("gross_minor")

        platform_minor = d.pop("platform_minor")

        platform_net_minor = d.pop("platform_net_minor")

        refunded_minor = d.pop("refunded_minor")

        sales = d.pop("sales")

        creator_revenue_row_response = cls(
            creator_id=creator_id,
            creator_minor=creator_minor,
            creator_net_minor=creator_net_minor,
            currency=currency,
            gross_minor=gross_minor,
            platform_minor=platform_minor,
            platform_net_minor=platform_net_minor,
            refunded_minor=refunded_minor,
            sales=sales,
        )

        creator_revenue_row_response.additional_properties = d
        return creator_revenue_row_response

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
