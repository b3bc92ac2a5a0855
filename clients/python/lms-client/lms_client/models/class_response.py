from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ClassResponse")


@_attrs_define
class ClassResponse:
    """A class of courses.

    Attributes:
        course_ids (list[UUID]): Courses in order.
        created_at (datetime.datetime): Creation time.
        description (str): Description.
        id (UUID): Identifier.
        owner_id (UUID): Owner.
        title (str): Title.
    """

    course_ids: list[UUID]
    created_at: datetime.datetime
    description: str
    id: UUID
    owner_id: UUID
    title: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        course_ids = []
        for course_ids_item_data in self.course_ids:
            course_ids_item = str(course_ids_item_data)
            course_ids.append(course_ids_item)

        created_at = self.created_at.isoformat()

        description = self.description

        id = str(self.id)

        owner_id = str(self.owner_id)

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "course_ids": course_ids,
                "created_at": created_at,
                "description": description,
                "id": id,
                "owner_id": owner_id,
                "title": title,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        course_ids = []
        _course_ids = d.pop("course_ids")
        for course_ids_item_data in _course_ids:
            course_ids_item = UUID(course_ids_item_data)

            course_ids.append(course_ids_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        id = UUID(d.pop("id"))

        owner_id = UUID(d.pop("owner_id"))

        title = d.pop("title")

        class_response = cls(
            course_ids=course_ids,
            created_at=created_at,
            description=description,
            id=id,
            owner_id=owner_id,
            title=title,
        )

        class_response.additional_properties = d
        return class_response

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
