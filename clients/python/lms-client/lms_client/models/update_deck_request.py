from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.scheduler_name import SchedulerName
from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateDeckRequest")


@_attrs_define
class UpdateDeckRequest:
    """Changes to a deck's settings; absent fields stay as they are.

    Attributes:
        desired_retention (float | Unset): The recall probability FSRS aims at, 0.7–0.99.
        new_per_day (int | Unset): New cards per learner and day, 0–9999.
        scheduler (SchedulerName | Unset): A deck's scheduling algorithm.
        title (str | Unset): The title, 1–200 characters.
    """

    desired_retention: float | Unset = UNSET
    new_per_day: int | Unset = UNSET
    scheduler: SchedulerName | Unset = UNSET
    title: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        desired_retention = self.desired_retention

        new_per_day = self.new_per_day

        scheduler: str | Unset = UNSET
        if not isinstance(self.scheduler, Unset):
            scheduler = self.scheduler.value

        title = self.title

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if desired_retention is not UNSET:
            field_dict["desired_retention"] = desired_retention
        if new_per_day is not UNSET:
            field_dict["new_per_day"] = new_per_day
        if scheduler is not UNSET:
            field_dict["scheduler"] = scheduler
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        desired_retention = d.pop("desired_retention", UNSET)

        new_per_day = d.pop("new_per_day", UNSET)

        _scheduler = d.pop("scheduler", UNSET)
        scheduler: SchedulerName | Unset
        if isinstance(_scheduler, Unset):
            scheduler = UNSET
        else:
            scheduler = SchedulerName(_scheduler)

        title = d.pop("title", UNSET)

        update_deck_request = cls(
            desired_retention=desired_retention,
            new_per_day=new_per_day,
            scheduler=scheduler,
            title=title,
        )

        return update_deck_request
