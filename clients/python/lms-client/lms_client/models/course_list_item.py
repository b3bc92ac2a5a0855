from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.course_status_dto import CourseStatusDto
from ..models.difficulty_dto import DifficultyDto
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_dto import PriceDto


T = TypeVar("T", bound="CourseListItem")


@_attrs_define
class CourseListItem:
    """A course in a listing.

    Attributes:
        category (str): Category.
        description (str): Description.
        difficulty (DifficultyDto): How demanding a course is.
        id (UUID): Identifier.
        lesson_count (int): Number of lessons.
        owner_id (UUID): The owning instructor.
        status (CourseStatusDto): A course's lifecycle state.
        title (str): Title.
        price (PriceDto | Unset): A price in minor units of a currency. Example: {'amount_minor': 4900, 'currency':
            'EUR'}.
        published_at (datetime.datetime | Unset): First publication.
    """

    category: str
    description: str
    difficulty: DifficultyDto
    id: UUID
    lesson_count: int
    owner_id: UUID
    status: CourseStatusDto
    title: str
    price: PriceDto | Unset = UNSET
    published_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        category = self.category

        description = self.description

        difficulty = self.difficulty.value

        id = str(self.id)

        lesson_count = self.lesson_count

        owner_id = str(self.owner_id)

        status = self.status.value

        title = self.title

        price: dict[str, Any] | Unset = UNSET
        if not isinstance(self.price, Unset):
            price = self.price.to_dict()

        published_at: str | Unset = UNSET
        if not isinstance(self.published_at, Unset):
            published_at = self.published_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "category": category,
                "description": description,
                "difficulty": difficulty,
                "id": id,
                "lesson_count": lesson_count,
                "owner_id": owner_id,
                "status": status,
                "title": title,
            }
        )
        if price is not UNSET:
            field_dict["price"] = price
        if published_at is not UNSET:
            field_dict["published_at"] = published_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.price_dto import PriceDto  # noqa: PLC0415

        d = dict(src_dict)
        category = d.pop("category")

        description = d.pop("description")

        difficulty = DifficultyDto(d.pop("difficulty"))

        id = UUID(d.pop("id"))

        lesson_count = d.pop("lesson_count")

        owner_id = UUID(d.pop("owner_id"))

        status = CourseStatusDto(d.pop("status"))

        title = d.pop("title")

        _price = d.pop("price", UNSET)
        price: PriceDto | Unset
        if isinstance(_price, Unset):
            price = UNSET
        else:
            price = PriceDto.from_dict(_price)

        _published_at = d.pop("published_at", UNSET)
        published_at: datetime.datetime | Unset
        if isinstance(_published_at, Unset):
            published_at = UNSET
        else:
            published_at = datetime.datetime.fromisoformat(_published_at)

        course_list_item = cls(
            category=category,
            description=description,
            difficulty=difficulty,
            id=id,
            lesson_count=lesson_count,
            owner_id=owner_id,
            status=status,
            title=title,
            price=price,
            published_at=published_at,
        )

        course_list_item.additional_properties = d
        return course_list_item

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
