from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="VideoProgressRequest")


@_attrs_define
class VideoProgressRequest:
    """Watched spans of a video, in seconds.

    Example:
        {'intervals': [[0, 30], [30, 60]]}

    Attributes:
        intervals (list[list[float]]): `[start_second, end_second]` pairs.
        event_id (UUID | Unset): Idempotency key: the same event sent twice counts once.
    """

    intervals: list[list[float]]
    event_id: UUID | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        intervals = []
        for intervals_item_data in self.intervals:
            intervals_item = intervals_item_data

            intervals.append(intervals_item)

        event_id: str | Unset = UNSET
        if not isinstance(self.event_id, Unset):
            event_id = str(self.event_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "intervals": intervals,
            }
        )
        if event_id is not UNSET:
            field_dict["event_id"] = event_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        intervals = []
        _intervals = d.pop("intervals")
        for intervals_item_data in _intervals:
            intervals_item = cast(list[float], intervals_item_data)

            intervals.append(intervals_item)

        _event_id = d.pop("event_id", UNSET)
        event_id: UUID | Unset
        if isinstance(_event_id, Unset):
            event_id = UNSET
        else:
            event_id = UUID(_event_id)

        video_progress_request = cls(
            intervals=intervals,
            event_id=event_id,
        )

        return video_progress_request
