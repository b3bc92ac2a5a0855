from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_dto import PriceDto


T = TypeVar("T", bound="ClassResponse")


@_attrs_define
class ClassResponse:
    """A class of courses.

    Attributes:
        course_ids (list[UUID]): Courses in order.
        created_at (datetime.datetime): Creation time.
        description (str): Description.
        id (UUID): Identifier.
        owner_id (UUID): Owner.
        title (str): Title.
        price (PriceDto | Unset): A price in minor units of a currency. Example: {'amount_minor': 4900, 'currency':
            'EUR'}.
    """

    course_ids: list[UUID]
    created_at: datetime.datetime
    description: str
    id: UUID
    owner_id: UUID
    title: str
    price: PriceDto | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        course_ids = []
        for course_ids_item_data in self.course_ids:
            course_ids_item = str(course_ids_item_data)
            course_ids.append(course_ids_item)

        created_at = self.created_at.isoformat()

        description = self.description

        id = str(self.id)

        owner_id = str(self.owner_id)

        title = self.title

        price: dict[str, Any] | Unset = UNSET
        if not isinstance(self.price, Unset):
            price = self.price.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "course_ids": course_ids,
                "created_at": created_at,
                "description": description,
                "id": id,
                "owner_id": owner_id,
                "title": title,
            }
        )
        if price is not UNSET:
            field_dict["price"] = price

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.price_dto import PriceDto  # noqa: PLC0415

        d = dict(src_dict)
        course_ids = []
        _course_ids = d.pop("course_ids")
        for course_ids_item_data in _course_ids:
            course_ids_item = UUID(course_ids_item_data)

            course_ids.append(course_ids_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        id = UUID(d.pop("id"))

        owner_id = UUID(d.pop("owner_id"))

        title = d.pop("title")

        _price = d.pop("price", UNSET)
        price: PriceDto | Unset
        if isinstance(_price, Unset):
            price = UNSET
        else:
            price = PriceDto.from_dict(_price)

        class_response = cls(
            course_ids=course_ids,
            created_at=created_at,
            description=description,
            id=id,
            owner_id=owner_id,
            title=title,
            price=price,
        )

        class_response.additional_properties = d
        return class_response

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
