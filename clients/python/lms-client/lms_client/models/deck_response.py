from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.scheduler_name import SchedulerName
from ..types import UNSET, Unset

T = TypeVar("T", bound="DeckResponse")


@_attrs_define
class DeckResponse:
    """A deck.

    Attributes:
        card_count (int): Cards in the deck.
        created_at (datetime.datetime): Creation time.
        created_by (UUID): Who created it.
        desired_retention (float): FSRS's desired retention.
        fsrs_optimized (bool): Whether FSRS uses parameters fitted to the deck's reviews (else the defaults).
        id (UUID): Identifier.
        new_per_day (int): New cards per learner and day.
        scheduler (SchedulerName): A deck's scheduling algorithm.
        title (str): The title.
        updated_at (datetime.datetime): Last change.
        course_id (UUID | Unset): The course it belongs to.
    """

    card_count: int
    created_at: datetime.datetime
    created_by: UUID
    desired_retention: float
    fsrs_optimized: bool
    id: UUID
    new_per_day: int
    scheduler: SchedulerName
    title: str
    updated_at: datetime.datetime
    course_id: UUID | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        card_count = self.card_count

        created_at = self.created_at.isoformat()

        created_by = str(self.created_by)

        desired_retention = self.desired_retention

        fsrs_optimized = self.fsrs_optimized

        id = str(self.id)

        new_per_day = self.new_per_day

        scheduler = self.scheduler.value

        title = self.title

        updated_at = self.updated_at.isoformat()

        course_id: str | Unset = UNSET
        if not isinstance(self.course_id, Unset):
            course_id = str(self.course_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "card_count": card_count,
                "created_at": created_at,
                "created_by": created_by,
                "desired_retention": desired_retention,
                "fsrs_optimized": fsrs_optimized,
                "id": id,
                "new_per_day": new_per_day,
                "scheduler": scheduler,
                "title": title,
                "updated_at": updated_at,
            }
        )
        if course_id is not UNSET:
            field_dict["course_id"] = course_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        card_count = d.pop("card_count")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        created_by = UUID(d.pop("created_by"))

        desired_retention = d.pop("desired_retention")

        fsrs_optimized = d.pop("fsrs_optimized")

        id = UUID(d.pop("id"))

        new_per_day = d.pop("new_per_day")

        scheduler = SchedulerName(d.pop("scheduler"))

        title = d.pop("title")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        _course_id = d.pop("course_id", UNSET)
        course_id: UUID | Unset
        if isinstance(_course_id, Unset):
            course_id = UNSET
        else:
            course_id = UUID(_course_id)

        deck_response = cls(
            card_count=card_count,
            created_at=created_at,
            created_by=created_by,
            desired_retention=desired_retention,
            fsrs_optimized=fsrs_optimized,
            id=id,
            new_per_day=new_per_day,
            scheduler=scheduler,
            title=title,
            updated_at=updated_at,
            course_id=course_id,
        )

        deck_response.additional_properties = d
        return deck_response

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
