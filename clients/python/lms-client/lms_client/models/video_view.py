from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="VideoView")


@_attrs_define
class VideoView:
    """A video as a learner opens it.

    Attributes:
        completion_threshold_percent (int): Completion threshold in percent.
        duration_seconds (int): Length in seconds.
        embed_url (str): Embed URL with the required player parameters.
        resume_position_seconds (float): Where to resume, in seconds.
        watched_seconds (float): Distinct seconds watched.
        youtube_id (str): YouTube id.
    """

    completion_threshold_percent: int
    duration_seconds: int
    embed_url: str
    resume_position_seconds: float
    watched_seconds: float
    youtube_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        completion_threshold_percent = self.completion_threshold_percent

        duration_seconds = self.duration_seconds

        embed_url = self.embed_url

        resume_position_seconds = self.resume_position_seconds

        watched_seconds = self.watched_seconds

        youtube_id = self.youtube_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "completion_threshold_percent": completion_threshold_percent,
                "duration_seconds": duration_seconds,
                "embed_url": embed_url,
                "resume_position_seconds": resume_position_seconds,
                "watched_seconds": watched_seconds,
                "youtube_id": youtube_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        completion_threshold_percent = d.pop("completion_threshold_percent")

        duration_seconds = d.pop("duration_seconds")

        embed_url = d.pop("embed_url")

        resume_position_seconds = d.pop("resume_position_seconds")

        watched_seconds = d.pop("watched_seconds")

        youtube_id = d.pop("youtube_id")

        video_view = cls(
            completion_threshold_percent=completion_threshold_percent,
            duration_seconds=duration_seconds,
            embed_url=embed_url,
            resume_position_seconds=resume_position_seconds,
            watched_seconds=watched_seconds,
            youtube_id=youtube_id,
        )

        video_view.additional_properties = d
        return video_view

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
