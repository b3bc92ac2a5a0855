from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.enrollment_status_dto import EnrollmentStatusDto
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.question_result import QuestionResult


T = TypeVar("T", bound="ProgressUpdateResponse")


@_attrs_define
class ProgressUpdateResponse:
    """The effect of a learning event.

    Example:
        {'course_completed': False, 'duplicate': False, 'enrollment_status': 'active', 'lesson_completed': True,
            'lesson_id': '01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f', 'next_lesson_id': '01a2082b-c8b8-7d5f-8a33-3f4e5d6c7b80',
            'percent': 50}

    Attributes:
        course_completed (bool): The course became complete with this event.
        duplicate (bool): The event had been applied before; nothing changed.
        enrollment_status (EnrollmentStatusDto): An enrollment's state.
        lesson_completed (bool): The lesson became complete with this event.
        lesson_id (UUID): The lesson.
        percent (int): Course progress in whole percent.
        correct (int | Unset): Correct answers (quiz attempts).
        next_lesson_id (UUID | Unset): Where to continue.
        passed (bool | Unset): Whether the attempt passed (quiz attempts).
        results (list[QuestionResult] | Unset): Per-question results (quiz attempts).
        score_percent (int | Unset): Quiz score in percent (quiz attempts).
        total (int | Unset): Questions graded (quiz attempts).
    """

    course_completed: bool
    duplicate: bool
    enrollment_status: EnrollmentStatusDto
    lesson_completed: bool
    lesson_id: UUID
    percent: int
    correct: int | Unset = UNSET
    next_lesson_id: UUID | Unset = UNSET
    passed: bool | Unset = UNSET
    results: list[QuestionResult] | Unset = UNSET
    score_percent: int | Unset = UNSET
    total: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        course_completed = self.course_completed

        duplicate = self.duplicate

        enrollment_status = self.enrollment_status.value

        lesson_completed = self.lesson_completed

        lesson_id = str(self.lesson_id)

        percent = self.percent

        correct = self.correct

        next_lesson_id: str | Unset = UNSET
        if not isinstance(self.next_lesson_id, Unset):
            next_lesson_id = str(self.next_lesson_id)

        passed = self.passed

        results: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.results, Unset):
            results = []
            for results_item_data in self.results:
                results_item = results_item_data.to_dict()
                results.append(results_item)

        score_percent = self.score_percent

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "course_completed": course_completed,
                "duplicate": duplicate,
                "enrollment_status": enrollment_status,
                "lesson_completed": lesson_completed,
                "lesson_id": lesson_id,
                "percent": percent,
            }
        )
        if correct is not UNSET:
            field_dict["correct"] = correct
        if next_lesson_id is not UNSET:
            field_dict["next_lesson_id"] = next_lesson_id
        if passed is not UNSET:
            field_dict["passed"] = passed
        if results is not UNSET:
            field_dict["results"] = results
        if score_percent is not UNSET:
            field_dict["score_percent"] = score_percent
        if total is not UNSET:
            field_dict["total"] = total

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.question_result import QuestionResult  # noqa: PLC0415

        d = dict(src_dict)
        course_completed = d.pop("course_completed")

        duplicate = d.pop("duplicate")

        enrollment_status = EnrollmentStatusDto(d.pop("enrollment_status"))

        lesson_completed = d.pop("lesson_completed")

        lesson_id = UUID(d.pop("lesson_id"))

        percent = d.pop("percent")

        correct = d.pop("correct", UNSET)

        _next_lesson_id = d.pop("next_lesson_id", UNSET)
        next_lesson_id: UUID | Unset
        if isinstance(_next_lesson_id, Unset):
            next_lesson_id = UNSET
        else:
            next_lesson_id = UUID(_next_lesson_id)

        passed = d.pop("passed", UNSET)

        _results = d.pop("results", UNSET)
        results: list[QuestionResult] | Unset = UNSET
        if _results is not UNSET:
            results = []
            for results_item_data in _results:
                results_item = QuestionResult.from_dict(results_item_data)

                results.append(results_item)

        score_percent = d.pop("score_percent", UNSET)

        total = d.pop("total", UNSET)

        progress_update_response = cls(
            course_completed=course_completed,
            duplicate=duplicate,
            enrollment_status=enrollment_status,
            lesson_completed=lesson_completed,
            lesson_id=lesson_id,
            percent=percent,
            correct=correct,
            next_lesson_id=next_lesson_id,
            passed=passed,
            results=results,
            score_percent=score_percent,
            total=total,
        )

        progress_update_response.additional_properties = d
        return progress_update_response

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
