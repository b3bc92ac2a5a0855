from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StudyWeekResponse")


@_attrs_define
class StudyWeekResponse:
    """One ISO week of a learner's study.

    Attributes:
        study_seconds (float): Study time, in seconds.
        week_start (str): The week's Monday.
    """

    study_seconds: float
    week_start: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        study_seconds = self.study_seconds

        week_start = self.week_start

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "study_seconds": study_seconds,
                "week_start": week_start,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        study_seconds = d.pop("study_seconds")

        week_start = d.pop("week_start")

        study_week_response = cls(
            study_seconds=study_seconds,
            week_start=week_start,
        )

        study_week_response.additional_properties = d
        return study_week_response

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
