from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.study_day_response import StudyDayResponse
    from ..models.study_week_response import StudyWeekResponse


T = TypeVar("T", bound="LearnerStudyResponse")


@_attrs_define
class LearnerStudyResponse:
    """A learner's study time over a period: video playback and flashcard answer time.

    Attributes:
        days (list[StudyDayResponse]): Each day with any study, in order.
        from_ (str): First day (UTC), included.
        study_seconds (float): Study time over the period, in seconds (1 decimal).
        to (str): Last day (UTC), included.
        user_id (UUID): The learner.
        weeks (list[StudyWeekResponse]): Each ISO week with any study, in order.
    """

    days: list[StudyDayResponse]
    from_: str
    study_seconds: float
    to: str
    user_id: UUID
    weeks: list[StudyWeekResponse]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        days = []
        for days_item_data in self.days:
            days_item = days_item_data.to_dict()
            days.append(days_item)

        from_ = self.from_

        study_seconds = self.study_seconds

        to = self.to

        user_id = str(self.user_id)

        weeks = []
        for weeks_item_data in self.weeks:
            weeks_item = weeks_item_data.to_dict()
            weeks.append(weeks_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "days": days,
                "from": from_,
                "study_seconds": study_seconds,
                "to": to,
                "user_id": user_id,
                "weeks": weeks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.study_day_response import StudyDayResponse  # noqa: PLC0415
        from ..models.study_week_response import StudyWeekResponse  # noqa: PLC0415

        d = dict(src_dict)
        days = []
        _days = d.pop("days")
        for days_item_data in _days:
            days_item = StudyDayResponse.from_dict(days_item_data)

            days.append(days_item)

        from_ = d.pop("from")

        study_seconds = d.pop("study_seconds")

        to = d.pop("to")

        user_id = UUID(d.pop("user_id"))

        weeks = []
        _weeks = d.pop("weeks")
        for weeks_item_data in _weeks:
            weeks_item = StudyWeekResponse.from_dict(weeks_item_data)

            weeks.append(weeks_item)

        learner_study_response = cls(
            days=days,
            from_=from_,
            study_seconds=study_seconds,
            to=to,
            user_id=user_id,
            weeks=weeks,
        )

        learner_study_response.additional_properties = d
        return learner_study_response

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
