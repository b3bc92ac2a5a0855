from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateClassRequest")


@_attrs_define
class CreateClassRequest:
    """A new class.

    Example:
        {'description': 'Rust from zero, September to December.', 'title': 'Autumn cohort'}

    Attributes:
        title (str): Title, 1–200 characters.
        description (str | Unset): Description, up to 20,000 characters. Default: ''.
    """

    title: str
    description: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        description = self.description

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "title": title,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        title = d.pop("title")

        description = d.pop("description", UNSET)

        create_class_request = cls(
            title=title,
            description=description,
        )

        return create_class_request
