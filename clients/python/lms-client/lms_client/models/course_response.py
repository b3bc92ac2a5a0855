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
    from ..models.course_response_metadata import CourseResponseMetadata
    from ..models.lesson_summary import LessonSummary
    from ..models.price_dto import PriceDto


T = TypeVar("T", bound="CourseResponse")


@_attrs_define
class CourseResponse:
    """A course with its outline.

    Attributes:
        category (str): Category.
        created_at (datetime.datetime): Creation time.
        description (str): Description.
        difficulty (DifficultyDto): How demanding a course is.
        id (UUID): Identifier.
        lesson_count (int): Number of lessons.
        lessons (list[LessonSummary]): Lessons in order.
        metadata (CourseResponseMetadata): Metadata.
        owner_id (UUID): The owning instructor.
        status (CourseStatusDto): A course's lifecycle state.
        title (str): Title.
        updated_at (datetime.datetime): Last change.
        price (PriceDto | Unset): A price in minor units of a currency. Example: {'amount_minor': 4900, 'currency':
            'EUR'}.
        published_at (datetime.datetime | Unset): First publication.
    """

    category: str
    created_at: datetime.datetime
    description: str
    difficulty: DifficultyDto
    id: UUID
    lesson_count: int
    lessons: list[LessonSummary]
    metadata: CourseResponseMetadata
    owner_id: UUID
    status: CourseStatusDto
    title: str
    updated_at: datetime.datetime
    price: PriceDto | Unset = UNSET
    published_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        category = self.category

        created_at = self.created_at.isoformat()

        description = self.description

        difficulty = self.difficulty.value

        id = str(self.id)

        lesson_count = self.lesson_count

        lessons = []
        for lessons_item_data in self.lessons:
            lessons_item = lessons_item_data.to_dict()
            lessons.append(lessons_item)

        metadata = self.metadata.to_dict()

        owner_id = str(self.owner_id)

        status = self.status.value

        title = self.title

        updated_at = self.updated_at.isoformat()

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
                "created_at": created_at,
                "description": description,
                "difficulty": difficulty,
                "id": id,
                "lesson_count": lesson_count,
                "lessons": lessons,
                "metadata": metadata,
                "owner_id": owner_id,
                "status": status,
                "title": title,
                "updated_at": updated_at,
            }
        )
        if price is not UNSET:
            field_dict["price"] = price
        if published_at is not UNSET:
            field_dict["published_at"] = published_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.course_response_metadata import CourseResponseMetadata  # noqa: PLC0415
        from ..models.lesson_summary import LessonSummary  # noqa: PLC0415
        from ..models.price_dto import PriceDto  # noqa: PLC0415

        d = dict(src_dict)
        category = d.pop("category")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        difficulty = DifficultyDto(d.pop("difficulty"))

        id = UUID(d.pop("id"))

        lesson_count = d.pop("lesson_count")

        lessons = []
        _lessons = d.pop("lessons")
        for lessons_item_data in _lessons:
            lessons_item = LessonSummary.from_dict(lessons_item_data)

            lessons.append(lessons_item)

        metadata = CourseResponseMetadata.from_dict(d.pop("metadata"))

        owner_id = UUID(d.pop("owner_id"))

        status = CourseStatusDto(d.pop("status"))

        title = d.pop("title")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

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

        course_response = cls(
            category=category,
            created_at=created_at,
            description=description,
            difficulty=difficulty,
            id=id,
            lesson_count=lesson_count,
            lessons=lessons,
            metadata=metadata,
            owner_id=owner_id,
            status=status,
            title=title,
            updated_at=updated_at,
            price=price,
            published_at=published_at,
        )

        course_response.additional_properties = d
        return course_response

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
