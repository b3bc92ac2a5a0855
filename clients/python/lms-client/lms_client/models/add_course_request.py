from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="AddCourseRequest")


@_attrs_define
class AddCourseRequest:
    """A course to add to a class.

    Attributes:
        course_id (UUID): The course.
    """

    course_id: UUID

    def to_dict(self) -> dict[str, Any]:
        course_id = str(self.course_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "course_id": course_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        course_id = UUID(d.pop("course_id"))

        add_course_request = cls(
            course_id=course_id,
        )

        return add_course_request
