from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="VideoInput")


@_attrs_define
class VideoInput:
    """Video lesson content.

    Attributes:
        duration_seconds (int): Length in seconds, 1 to 86,400.
        youtube_id (str): The 11-character YouTube video id.
        completion_threshold_percent (int | Unset): Share of distinct seconds to watch for completion, 1–100 (default
            90).
    """

    duration_seconds: int
    youtube_id: str
    completion_threshold_percent: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        duration_seconds = self.duration_seconds

        youtube_id = self.youtube_id

        completion_threshold_percent = self.completion_threshold_percent

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "duration_seconds": duration_seconds,
                "youtube_id": youtube_id,
            }
        )
        if completion_threshold_percent is not UNSET:
            field_dict["completion_threshold_percent"] = completion_threshold_percent

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        duration_seconds = d.pop("duration_seconds")

        youtube_id = d.pop("youtube_id")

        completion_threshold_percent = d.pop("completion_threshold_percent", UNSET)

        video_input = cls(
            duration_seconds=duration_seconds,
            youtube_id=youtube_id,
            completion_threshold_percent=completion_threshold_percent,
        )

        return video_input
