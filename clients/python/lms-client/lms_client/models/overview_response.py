from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.week_activity_response import WeekActivityResponse


T = TypeVar("T", bound="OverviewResponse")


@_attrs_define
class OverviewResponse:
    """The platform's learning overview over a period.

    Attributes:
        course_completions (int): Courses completed in the period.
        enrollments (int): Enrollments created in the period.
        first_enrollments (int): Of those, the ones who have enrolled since.
        from_ (str): First day (UTC), included.
        lesson_completions (int): Lessons completed in the period.
        quiz_attempts (int): Quiz attempts graded in the period.
        registrations (int): Users who registered in the period.
        to (str): Last day (UTC), included.
        weekly_active_learners (list[WeekActivityResponse]): Distinct learners with learning activity per ISO week (not
            in the CSV form).
        conversion_rate (float | None | Unset): First enrollments out of registrations, 0–1 (4 decimals).
    """

    course_completions: int
    enrollments: int
    first_enrollments: int
    from_: str
    lesson_completions: int
    quiz_attempts: int
    registrations: int
    to: str
    weekly_active_learners: list[WeekActivityResponse]
    conversion_rate: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        course_completions = self.course_completions

        enrollments = self.enrollments

        first_enrollments = self.first_enrollments

        from_ = self.from_

        lesson_completions = self.lesson_completions

        quiz_attempts = self.quiz_attempts

        registrations = self.registrations

        to = self.to

        weekly_active_learners = []
        for weekly_active_learners_item_data in self.weekly_active_learners:
            weekly_active_learners_item = weekly_active_learners_item_data.to_dict()
            weekly_active_learners.append(weekly_active_learners_item)

        conversion_rate: float | None | Unset
        if isinstance(self.conversion_rate, Unset):
            conversion_rate = UNSET
        else:
            conversion_rate = self.conversion_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "course_completions": course_completions,
                "enrollments": enrollments,
                "first_enrollments": first_enrollments,
                "from": from_,
                "lesson_completions": lesson_completions,
                "quiz_attempts": quiz_attempts,
                "registrations": registrations,
                "to": to,
                "weekly_active_learners": weekly_active_learners,
            }
        )
        if conversion_rate is not UNSET:
            field_dict["conversion_rate"] = conversion_rate

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.week_activity_response import WeekActivityResponse  # noqa: PLC0415

        d = dict(src_dict)
        course_completions = d.pop("course_completions")

        enrollments = d.pop("enrollments")

        first_enrollments = d.pop("first_enrollments")

        from_ = d.pop("from")

        lesson_completions = d.pop("lesson_completions")

        quiz_attempts = d.pop("quiz_attempts")

        registrations = d.pop("registrations")

        to = d.pop("to")

        weekly_active_learners = []
        _weekly_active_learners = d.pop("weekly_active_learners")
        for weekly_active_learners_item_data in _weekly_active_learners:
            weekly_active_learners_item = WeekActivityResponse.from_dict(weekly_active_learners_item_data)

            weekly_active_learners.append(weekly_active_learners_item)

        def _parse_conversion_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        conversion_rate = _parse_conversion_rate(d.pop("conversion_rate", UNSET))

        overview_response = cls(
            course_completions=course_completions,
            enrollments=enrollments,
            first_enrollments=first_enrollments,
            from_=from_,
            lesson_completions=lesson_completions,
            quiz_attempts=quiz_attempts,
            registrations=registrations,
            to=to,
            weekly_active_learners=weekly_active_learners,
            conversion_rate=conversion_rate,
        )

        overview_response.additional_properties = d
        return overview_response

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
