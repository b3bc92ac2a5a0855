from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_dto import PriceDto


T = TypeVar("T", bound="UpdateClassRequest")


@_attrs_define
class UpdateClassRequest:
    """Changes to a class; absent fields stay as they are.

    Example:
        {'price': {'amount_minor': 14900, 'currency': 'EUR'}, 'title': 'Autumn cohort 2027'}

    Attributes:
        description (str | Unset): New description, up to 20,000 characters.
        price (None | PriceDto | Unset):
        title (str | Unset): New title, 1–200 characters.
    """

    description: str | Unset = UNSET
    price: None | PriceDto | Unset = UNSET
    title: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.price_dto import PriceDto  # noqa: PLC0415

        description = self.description

        price: dict[str, Any] | None | Unset
        if isinstance(self.price, Unset):
            price = UNSET
        elif isinstance(self.price, PriceDto):
            price = self.price.to_dict()
        else:
            price = self.price

        title = self.title

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if price is not UNSET:
            field_dict["price"] = price
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.price_dto import PriceDto  # noqa: PLC0415

        d = dict(src_dict)
        description = d.pop("description", UNSET)

        def _parse_price(data: object) -> None | PriceDto | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                price_type_1 = PriceDto.from_dict(data)

                return price_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PriceDto | Unset, data)

        price = _parse_price(d.pop("price", UNSET))

        title = d.pop("title", UNSET)

        update_class_request = cls(
            description=description,
            price=price,
            title=title,
        )

        return update_class_request
