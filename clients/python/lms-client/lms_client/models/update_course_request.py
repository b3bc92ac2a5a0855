from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.difficulty_dto import DifficultyDto
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_dto import PriceDto
    from ..models.update_course_request_metadata import UpdateCourseRequestMetadata


T = TypeVar("T", bound="UpdateCourseRequest")


@_attrs_define
class UpdateCourseRequest:
    """Changes to a course; absent fields stay as they are.

    Example:
        {'price': None, 'title': 'Rust in two weeks'}

    Attributes:
        category (str | Unset): New category, 1–64 characters.
        description (str | Unset): New description, up to 20,000 characters.
        difficulty (DifficultyDto | Unset): How demanding a course is.
        metadata (UpdateCourseRequestMetadata | Unset): New metadata (replaces the old): up to 50 entries.
        price (None | PriceDto | Unset):
        title (str | Unset): New title, 1–200 characters.
    """

    category: str | Unset = UNSET
    description: str | Unset = UNSET
    difficulty: DifficultyDto | Unset = UNSET
    metadata: UpdateCourseRequestMetadata | Unset = UNSET
    price: None | PriceDto | Unset = UNSET
    title: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.price_dto import PriceDto  # noqa: PLC0415

        category = self.category

        description = self.description

        difficulty: str | Unset = UNSET
        if not isinstance(self.difficulty, Unset):
            difficulty = self.difficulty.value

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

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
        if category is not UNSET:
            field_dict["category"] = category
        if description is not UNSET:
            field_dict["description"] = description
        if difficulty is not UNSET:
            field_dict["difficulty"] = difficulty
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if price is not UNSET:
            field_dict["price"] = price
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.price_dto import PriceDto  # noqa: PLC0415
        from ..models.update_course_request_metadata import UpdateCourseRequestMetadata  # noqa: PLC0415

        d = dict(src_dict)
        category = d.pop("category", UNSET)

        description = d.pop("description", UNSET)

        _difficulty = d.pop("difficulty", UNSET)
        difficulty: DifficultyDto | Unset
        if isinstance(_difficulty, Unset):
            difficulty = UNSET
        else:
            difficulty = DifficultyDto(_difficulty)

        _metadata = d.pop("metadata", UNSET)
        metadata: UpdateCourseRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = UpdateCourseRequestMetadata.from_dict(_metadata)

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

        update_course_request = cls(
            category=category,
            description=description,
            difficulty=difficulty,
            metadata=metadata,
            price=price,
            title=title,
        )

        return update_course_request
