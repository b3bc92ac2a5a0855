from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StudyDayResponse")


@_attrs_define
class StudyDayResponse:
    """One day of a learner's study.

    Attributes:
        date (str): The day (UTC).
        replay_seconds (float): The part of that playback that replayed spans watched before, in seconds.
        review_seconds (float): Their answer time, in seconds.
        reviews (int): Flashcard reviews.
        study_seconds (float): Video playback and flashcard answer time, in seconds.
        watch_seconds (float): Video playback, replays included, in seconds.
    """

    date: str
    replay_seconds: float
    review_seconds: float
    reviews: int
    study_seconds: float
    watch_seconds: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        date = self.date

        replay_seconds = self.replay_seconds

        review_seconds = self.review_seconds

        reviews = self.reviews

        study_seconds = self.study_seconds

        watch_seconds = self.watch_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "date": date,
                "replay_seconds": replay_seconds,
                "review_seconds": review_seconds,
                "reviews": reviews,
                "study_seconds": study_seconds,
                "watch_seconds": watch_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        date = d.pop("date")

        replay_seconds = d.pop("replay_seconds")

        review_seconds = d.pop("review_seconds")

        reviews = d.pop("reviews")

        study_seconds = d.pop("study_seconds")

        watch_seconds = d.pop("watch_seconds")

        study_day_response = cls(
            date=date,
            replay_seconds=replay_seconds,
            review_seconds=review_seconds,
            reviews=reviews,
            study_seconds=study_seconds,
            watch_seconds=watch_seconds,
        )

        study_day_response.additional_properties = d
        return study_day_response

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
