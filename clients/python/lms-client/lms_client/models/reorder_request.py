from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReorderRequest")


@_attrs_define
class ReorderRequest:
    """The new order of a course's lessons.

    Attributes:
        lesson_ids (list[UUID]): Every lesson id of the course, once, in the new order.
    """

    lesson_ids: list[UUID]

    def to_dict(self) -> dict[str, Any]:
        lesson_ids = []
        for lesson_ids_item_data in self.lesson_ids:
            lesson_ids_item = str(lesson_ids_item_data)
            lesson_ids.append(lesson_ids_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "lesson_ids": lesson_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        lesson_ids = []
        _lesson_ids = d.pop("lesson_ids")
        for lesson_ids_item_data in _lesson_ids:
            lesson_ids_item = UUID(lesson_ids_item_data)

            lesson_ids.append(lesson_ids_item)

        reorder_request = cls(
            lesson_ids=lesson_ids,
        )

        return reorder_request
