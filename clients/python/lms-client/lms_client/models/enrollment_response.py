from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.enrollment_source_dto import EnrollmentSourceDto
from ..models.enrollment_status_dto import EnrollmentStatusDto
from ..types import UNSET, Unset

T = TypeVar("T", bound="EnrollmentResponse")


@_attrs_define
class EnrollmentResponse:
    """An enrollment.

    Example:
        {'completed_lessons': 0, 'course_id': '01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f', 'enrolled_at':
            '2026-12-04T09:05:00Z', 'id': '01a2082b-c889-7b2d-8e11-1d2c3b4a5f6e', 'source': 'free', 'status': 'active',
            'user_id': '01a2082b-c740-7a3c-9a10-0c2b3f4e5d6a'}

    Attributes:
        completed_lessons (int): Lessons completed.
        course_id (UUID): The course.
        enrolled_at (datetime.datetime): Enrollment time.
        id (UUID): Identifier.
        source (EnrollmentSourceDto): How an enrollment came about.
        status (EnrollmentStatusDto): An enrollment's state.
        user_id (UUID): The learner.
        certificate_id (UUID | Unset): Public id of the completion certificate.
        completed_at (datetime.datetime | Unset): Completion time.
        last_lesson_id (UUID | Unset): The lesson last worked on.
    """

    completed_lessons: int
    course_id: UUID
    enrolled_at: datetime.datetime
    id: UUID
    source: EnrollmentSourceDto
    status: EnrollmentStatusDto
    user_id: UUID
    certificate_id: UUID | Unset = UNSET
    completed_at: datetime.datetime | Unset = UNSET
    last_lesson_id: UUID | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        completed_lessons = self.completed_lessons

        course_id = str(self.course_id)

        enrolled_at = self.enrolled_at.isoformat()

        id = str(self.id)

        source = self.source.value

        status = self.status.value

        user_id = str(self.user_id)

        certificate_id: str | Unset = UNSET
        if not isinstance(self.certificate_id, Unset):
            certificate_id = str(self.certificate_id)

        completed_at: str | Unset = UNSET
        if not isinstance(self.completed_at, Unset):
            completed_at = self.completed_at.isoformat()

        last_lesson_id: str | Unset = UNSET
        if not isinstance(self.last_lesson_id, Unset):
            last_lesson_id = str(self.last_lesson_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "completed_lessons": completed_lessons,
                "course_id": course_id,
                "enrolled_at": enrolled_at,
                "id": id,
                "source": source,
                "status": status,
                "user_id": user_id,
            }
        )
        if certificate_id is not UNSET:
            field_dict["certificate_id"] = certificate_id
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if last_lesson_id is not UNSET:
            field_dict["last_lesson_id"] = last_lesson_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        completed_lessons = d.pop("completed_lessons")

        course_id = UUID(d.pop("course_id"))

        enrolled_at = datetime.datetime.fromisoformat(d.pop("enrolled_at"))

        id = UUID(d.pop("id"))

        source = EnrollmentSourceDto(d.pop("source"))

        status = EnrollmentStatusDto(d.pop("status"))

        user_id = UUID(d.pop("user_id"))

        _certificate_id = d.pop("certificate_id", UNSET)
        certificate_id: UUID | Unset
        if isinstance(_certificate_id, Unset):
            certificate_id = UNSET
        else:
            certificate_id = UUID(_certificate_id)

        _completed_at = d.pop("completed_at", UNSET)
        completed_at: datetime.datetime | Unset
        if isinstance(_completed_at, Unset):
            completed_at = UNSET
        else:
            completed_at = datetime.datetime.fromisoformat(_completed_at)

        _last_lesson_id = d.pop("last_lesson_id", UNSET)
        last_lesson_id: UUID | Unset
        if isinstance(_last_lesson_id, Unset):
            last_lesson_id = UNSET
        else:
            last_lesson_id = UUID(_last_lesson_id)

        enrollment_response = cls(
            completed_lessons=completed_lessons,
            course_id=course_id,
            enrolled_at=enrolled_at,
            id=id,
            source=source,
            status=status,
            user_id=user_id,
            certificate_id=certificate_id,
            completed_at=completed_at,
            last_lesson_id=last_lesson_id,
        )

        enrollment_response.additional_properties = d
        return enrollment_response

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
