from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.funnel_step_response import FunnelStepResponse


T = TypeVar("T", bound="CourseAnalyticsResponse")


@_attrs_define
class CourseAnalyticsResponse:
    """A course's enrollments, completion, active learners and drop-off funnel.

    Attributes:
        active_learners (int): Learners with learning activity (enrolling, a lesson completed, a quiz graded) in
            the last 7 days.
        completions (int): Enrollments that completed the course.
        course_id (UUID): The course.
        enrollments (int): Enrollments ever created.
        funnel (list[FunnelStepResponse]): Every lesson in course order.
        title (str): Its title.
        completion_rate (float | None | Unset): Completions out of enrollments, 0–1 (4 decimals); null without
            enrollments.
        median_days_to_complete (float | None | Unset): Median days from enrollment to completion (2 decimals; precise
            to the hour under 3
            days, to the day under a year, to the week beyond); null before the first
            completion.
    """

    active_learners: int
    completions: int
    course_id: UUID
    enrollments: int
    funnel: list[FunnelStepResponse]
    title: str
    completion_rate: float | None | Unset = UNSET
    median_days_to_complete: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_learners = self.active_learners

        completions = self.completions

        course_id = str(self.course_id)

        enrollments = self.enrollments

        funnel = []
        for funnel_item_data in self.funnel:
            funnel_item = funnel_item_data.to_dict()
            funnel.append(funnel_item)

        title = self.title

        completion_rate: float | None | Unset
        if isinstance(self.completion_rate, Unset):
            completion_rate = UNSET
        else:
            completion_rate = self.completion_rate

        median_days_to_complete: float | None | Unset
        if isinstance(self.median_days_to_complete, Unset):
            median_days_to_complete = UNSET
        else:
            median_days_to_complete = self.median_days_to_complete

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_learners": active_learners,
                "completions": completions,
                "course_id": course_id,
                "enrollments": enrollments,
                "funnel": funnel,
                "title": title,
            }
        )
        if completion_rate is not UNSET:
            field_dict["completion_rate"] = completion_rate
        if median_days_to_complete is not UNSET:
            field_dict["median_days_to_complete"] = median_days_to_complete

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.funnel_step_response import FunnelStepResponse  # noqa: PLC0415

        d = dict(src_dict)
        active_learners = d.pop("active_learners")

        completions = d.pop("completions")

        course_id = UUID(d.pop("course_id"))

        enrollments = d.pop("enrollments")

        funnel = []
        _funnel = d.pop("funnel")
        for funnel_item_data in _funnel:
            funnel_item = FunnelStepResponse.from_dict(funnel_item_data)

            funnel.append(funnel_item)

        title = d.pop("title")

        def _parse_completion_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        completion_rate = _parse_completion_rate(d.pop("completion_rate", UNSET))

        def _parse_median_days_to_complete(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        median_days_to_complete = _parse_median_days_to_complete(d.pop("median_days_to_complete", UNSET))

        course_analytics_response = cls(
            active_learners=active_learners,
            completions=completions,
            course_id=course_id,
            enrollments=enrollments,
            funnel=funnel,
            title=title,
            completion_rate=completion_rate,
            median_days_to_complete=median_days_to_complete,
        )

        course_analytics_response.additional_properties = d
        return course_analytics_response

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
