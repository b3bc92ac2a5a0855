from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.order_response import OrderResponse


T = TypeVar("T", bound="OrderPage")


@_attrs_define
class OrderPage:
    """A page of orders.

    Attributes:
        items (list[OrderResponse]): The orders, oldest first.
        next_after (UUID | Unset): Pass as `after` for the next page; absent on the last page.
    """

    items: list[OrderResponse]
    next_after: UUID | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        next_after: str | Unset = UNSET
        if not isinstance(self.next_after, Unset):
            next_after = str(self.next_after)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
            }
        )
        if next_after is not UNSET:
            field_dict["next_after"] = next_after

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.order_response import OrderResponse  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = OrderResponse.from_dict(items_item_data)

            items.append(items_item)

        _next_after = d.pop("next_after", UNSET)
        next_after: UUID | Unset
        if isinstance(_next_after, Unset):
            next_after = UNSET
        else:
            next_after = UUID(_next_after)

        order_page = cls(
            items=items,
            next_after=next_after,
        )

        order_page.additional_properties = d
        return order_page

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
