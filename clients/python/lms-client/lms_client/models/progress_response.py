from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.enrollment_status_dto import EnrollmentStatusDto
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.lesson_progress_dto import LessonProgressDto


T = TypeVar("T", bound="ProgressResponse")


@_attrs_define
class ProgressResponse:
    """A learner's progress in a course.

    Attributes:
        completed_lessons (int): Required lessons completed.
        course_id (UUID): The course.
        enrollment_status (EnrollmentStatusDto): An enrollment's state.
        lessons (list[LessonProgressDto]): Every lesson's state, in course order.
        percent (int): Required lessons completed, in whole percent.
        total_lessons (int): Required lessons in the course.
        next_lesson_id (UUID | Unset): Where to continue; absent when nothing is open.
    """

    completed_lessons: int
    course_id: UUID
    enrollment_status: EnrollmentStatusDto
    lessons: list[LessonProgressDto]
    percent: int
    total_lessons: int
    next_lesson_id: UUID | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        completed_lessons = self.completed_lessons

        course_id = str(self.course_id)

        enrollment_status = self.enrollment_status.value

        lessons = []
        for lessons_item_data in self.lessons:
            lessons_item = lessons_item_data.to_dict()
            lessons.append(lessons_item)

        percent = self.percent

        total_lessons = self.total_lessons

        next_lesson_id: str | Unset = UNSET
        if not isinstance(self.next_lesson_id, Unset):
            next_lesson_id = str(self.next_lesson_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "completed_lessons": completed_lessons,
                "course_id": course_id,
                "enrollment_status": enrollment_status,
                "lessons": lessons,
                "percent": percent,
                "total_lessons": total_lessons,
            }
        )
        if next_lesson_id is not UNSET:
            field_dict["next_lesson_id"] = next_lesson_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lesson_progress_dto import LessonProgressDto  # noqa: PLC0415

        d = dict(src_dict)
        completed_lessons = d.pop("completed_lessons")

        course_id = UUID(d.pop("course_id"))

        enrollment_status = EnrollmentStatusDto(d.pop("enrollment_status"))

        lessons = []
        _lessons = d.pop("lessons")
        for lessons_item_data in _lessons:
            lessons_item = LessonProgressDto.from_dict(lessons_item_data)

            lessons.append(lessons_item)

        percent = d.pop("percent")

        total_lessons = d.pop("total_lessons")

        _next_lesson_id = d.pop("next_lesson_id", UNSET)
        next_lesson_id: UUID | Unset
        if isinstance(_next_lesson_id, Unset):
            next_lesson_id = UNSET
        else:
            next_lesson_id = UUID(_next_lesson_id)

        progress_response = cls(
            completed_lessons=completed_lessons,
            course_id=course_id,
            enrollment_status=enrollment_status,
            lessons=lessons,
            percent=percent,
            total_lessons=total_lessons,
            next_lesson_id=next_lesson_id,
        )

        progress_response.additional_properties = d
        return progress_response

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
