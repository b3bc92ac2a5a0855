from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FunnelStepResponse")


@_attrs_define
class FunnelStepResponse:
    """One lesson of the drop-off funnel.

    Attributes:
        completed (int): Learners who completed it.
        last_activity_here (int): Learners who have not completed the course and whose latest activity was here.
        lesson_id (UUID): The lesson.
        position (int): Its place in the course, from 0.
        reached (int): Learners with any activity on it (a completion or a graded quiz attempt).
        replay_seconds (float): The part of that playback that replayed spans watched before, in seconds.
        title (str): Its title.
        watch_seconds (float): Video playback on it by every learner, replays included, in seconds (1 decimal;
            0 for other lessons). Added every `LMS_ANALYTICS_FLUSH_SECONDS`.
    """

    completed: int
    last_activity_here: int
    lesson_id: UUID
    position: int
    reached: int
    replay_seconds: float
    title: str
    watch_seconds: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        completed = self.completed

        last_activity_here = self.last_activity_here

        lesson_id = str(self.lesson_id)

        position = self.position

        reached = self.reached

        replay_seconds = self.replay_seconds

        title = self.title

        watch_seconds = self.watch_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "completed": completed,
                "last_activity_here": last_activity_here,
                "lesson_id": lesson_id,
                "position": position,
                "reached": reached,
                "replay_seconds": replay_seconds,
                "title": title,
                "watch_seconds": watch_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        completed = d.pop("completed")

        last_activity_here = d.pop("last_activity_here")

        lesson_id = UUID(d.pop("lesson_id"))

        position = d.pop("position")

        reached = d.pop("reached")

        replay_seconds = d.pop("replay_seconds")

        title = d.pop("title")

        watch_seconds = d.pop("watch_seconds")

        funnel_step_response = cls(
            completed=completed,
            last_activity_here=last_activity_here,
            lesson_id=lesson_id,
            position=position,
            reached=reached,
            replay_seconds=replay_seconds,
            title=title,
            watch_seconds=watch_seconds,
        )

        funnel_step_response.additional_properties = d
        return funnel_step_response

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
