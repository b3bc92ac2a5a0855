from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..models.scheduler_name import SchedulerName
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateDeckRequest")


@_attrs_define
class CreateDeckRequest:
    """A new deck.

    Attributes:
        title (str): The title, 1–200 characters.
        course_id (UUID | Unset): The course it belongs to (its instructors author it, its learners study it); absent
            for a private deck.
        desired_retention (float | Unset): The recall probability FSRS aims at, 0.7–0.99 (default 0.9).
        new_per_day (int | Unset): New cards per learner and day, 0–9999 (default 20).
        scheduler (SchedulerName | Unset): A deck's scheduling algorithm.
    """

    title: str
    course_id: UUID | Unset = UNSET
    desired_retention: float | Unset = UNSET
    new_per_day: int | Unset = UNSET
    scheduler: SchedulerName | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        course_id: str | Unset = UNSET
        if not isinstance(self.course_id, Unset):
            course_id = str(self.course_id)

        desired_retention = self.desired_retention

        new_per_day = self.new_per_day

        scheduler: str | Unset = UNSET
        if not isinstance(self.scheduler, Unset):
            scheduler = self.scheduler.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "title": title,
            }
        )
        if course_id is not UNSET:
            field_dict["course_id"] = course_id
        if desired_retention is not UNSET:
            field_dict["desired_retention"] = desired_retention
        if new_per_day is not UNSET:
            field_dict["new_per_day"] = new_per_day
        if scheduler is not UNSET:
            field_dict["scheduler"] = scheduler

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        title = d.pop("title")

        _course_id = d.pop("course_id", UNSET)
        course_id: UUID | Unset
        if isinstance(_course_id, Unset):
            course_id = UNSET
        else:
            course_id = UUID(_course_id)

        desired_retention = d.pop("desired_retention", UNSET)

        new_per_day = d.pop("new_per_day", UNSET)

        _scheduler = d.pop("scheduler", UNSET)
        scheduler: SchedulerName | Unset
        if isinstance(_scheduler, Unset):
            scheduler = UNSET
        else:
            scheduler = SchedulerName(_scheduler)

        create_deck_request = cls(
            title=title,
            course_id=course_id,
            desired_retention=desired_retention,
            new_per_day=new_per_day,
            scheduler=scheduler,
        )

        return create_deck_request
