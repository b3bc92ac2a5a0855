from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_dto import PriceDto


T = TypeVar("T", bound="CreateClassRequest")


@_attrs_define
class CreateClassRequest:
    """A new class.

    Example:
        {'description': 'Rust from zero, September to December.', 'price': {'amount_minor': 19900, 'currency': 'EUR'},
            'title': 'Autumn cohort'}

    Attributes:
        title (str): Title, 1–200 characters.
        description (str | Unset): Description, up to 20,000 characters. Default: ''.
        price (PriceDto | Unset): A price in minor units of a currency. Example: {'amount_minor': 4900, 'currency':
            'EUR'}.
    """

    title: str
    description: str | Unset = ""
    price: PriceDto | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        description = self.description

        price: dict[str, Any] | Unset = UNSET
        if not isinstance(self.price, Unset):
            price = self.price.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "title": title,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if price is not UNSET:
            field_dict["price"] = price

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.price_dto import PriceDto  # noqa: PLC0415

        d = dict(src_dict)
        title = d.pop("title")

        description = d.pop("description", UNSET)

        _price = d.pop("price", UNSET)
        price: PriceDto | Unset
        if isinstance(_price, Unset):
            price = UNSET
        else:
            price = PriceDto.from_dict(_price)

        create_class_request = cls(
            title=title,
            description=description,
            price=price,
        )

        return create_class_request
