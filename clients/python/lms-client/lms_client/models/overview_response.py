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
        replay_seconds (float): The part of that playback that replayed spans watched before, in seconds.
        reviews (int): Flashcard reviews.
        study_seconds (float): Study time: video playback and flashcard answer time, in seconds (1 decimal).
        to (str): Last day (UTC), included.
        watch_seconds (float): Video playback, replays included, in seconds.
        weekly_active_learners (list[WeekActivityResponse]): Distinct learners with learning activity, and study time,
            per ISO week (not in
            the CSV form).
        conversion_rate (float | None | Unset): First enrollments out of registrations, 0–1 (4 decimals).
        retention (float | None | Unset): Flashcard retention: reviews of cards due for recall that passed, out of all
            such
            reviews, 0–1 (4 decimals); null without recalls.
    """

    course_completions: int
    enrollments: int
    first_enrollments: int
    from_: str
    lesson_completions: int
    quiz_attempts: int
    registrations: int
    replay_seconds: float
    reviews: int
    study_seconds: float
    to: str
    watch_seconds: float
    weekly_active_learners: list[WeekActivityResponse]
    conversion_rate: float | None | Unset = UNSET
    retention: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        course_completions = self.course_completions

        enrollments = self.enrollments

        first_enrollments = self.first_enrollments

        from_ = self.from_

        lesson_completions = self.lesson_completions

        quiz_attempts = self.quiz_attempts

        registrations = self.registrations

        replay_seconds = self.replay_seconds

        reviews = self.reviews

        study_seconds = self.study_seconds

        to = self.to

        watch_seconds = self.watch_seconds

        weekly_active_learners = []
        for weekly_active_learners_item_data in self.weekly_active_learners:
            weekly_active_learners_item = weekly_active_learners_item_data.to_dict()
            weekly_active_learners.append(weekly_active_learners_item)

        conversion_rate: float | None | Unset
        if isinstance(self.conversion_rate, Unset):
            conversion_rate = UNSET
        else:
            conversion_rate = self.conversion_rate

        retention: float | None | Unset
        if isinstance(self.retention, Unset):
            retention = UNSET
        else:
            retention = self.retention

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
                "replay_seconds": replay_seconds,
                "reviews": reviews,
                "study_seconds": study_seconds,
                "to": to,
                "watch_seconds": watch_seconds,
                "weekly_active_learners": weekly_active_learners,
            }
        )
        if conversion_rate is not UNSET:
            field_dict["conversion_rate"] = conversion_rate
        if retention is not UNSET:
            field_dict["retention"] = retention

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

        replay_seconds = d.pop("replay_seconds")

        reviews = d.pop("reviews")

        study_seconds = d.pop("study_seconds")

        to = d.pop("to")

        watch_seconds = d.pop("watch_seconds")

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

        def _parse_retention(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        retention = _parse_retention(d.pop("retention", UNSET))

        overview_response = cls(
            course_completions=course_completions,
            enrollments=enrollments,
            first_enrollments=first_enrollments,
            from_=from_,
            lesson_completions=lesson_completions,
            quiz_attempts=quiz_attempts,
            registrations=registrations,
            replay_seconds=replay_seconds,
            reviews=reviews,
            study_seconds=study_seconds,
            to=to,
            watch_seconds=watch_seconds,
            weekly_active_learners=weekly_active_learners,
            conversion_rate=conversion_rate,
            retention=retention,
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
