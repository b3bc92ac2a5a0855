from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.difficulty_dto import DifficultyDto
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_course_request_metadata import CreateCourseRequestMetadata
    from ..models.price_dto import PriceDto


T = TypeVar("T", bound="CreateCourseRequest")


@_attrs_define
class CreateCourseRequest:
    """A new course.

    Example:
        {'category': 'programming', 'description': 'From ownership to async.', 'difficulty': 'beginner', 'metadata':
            {'level': '1'}, 'title': 'Rust in a week'}

    Attributes:
        category (str): Category, 1–64 characters.
        difficulty (DifficultyDto): How demanding a course is.
        title (str): Title, 1–200 characters.
        description (str | Unset): Description, up to 20,000 characters. Default: ''.
        metadata (CreateCourseRequestMetadata | Unset): Free-form metadata: up to 50 entries, keys up to 64 and values
            up to 1,000 characters.
        price (PriceDto | Unset): A price in minor units of a currency. Example: {'amount_minor': 4900, 'currency':
            'EUR'}.
    """

    category: str
    difficulty: DifficultyDto
    title: str
    description: str | Unset = ""
    metadata: CreateCourseRequestMetadata | Unset = UNSET
    price: PriceDto | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        category = self.category

        difficulty = self.difficulty.value

        title = self.title

        description = self.description

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        price: dict[str, Any] | Unset = UNSET
        if not isinstance(self.price, Unset):
            price = self.price.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "category": category,
                "difficulty": difficulty,
                "title": title,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if price is not UNSET:
            field_dict["price"] = price

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_course_request_metadata import CreateCourseRequestMetadata  # noqa: PLC0415
        from ..models.price_dto import PriceDto  # noqa: PLC0415

        d = dict(src_dict)
        category = d.pop("category")

        difficulty = DifficultyDto(d.pop("difficulty"))

        title = d.pop("title")

        description = d.pop("description", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: CreateCourseRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = CreateCourseRequestMetadata.from_dict(_metadata)

        _price = d.pop("price", UNSET)
        price: PriceDto | Unset
        if isinstance(_price, Unset):
            price = UNSET
        else:
            price = PriceDto.from_dict(_price)

        create_course_request = cls(
            category=category,
            difficulty=difficulty,
            title=title,
            description=description,
            metadata=metadata,
            price=price,
        )

        return create_course_request
