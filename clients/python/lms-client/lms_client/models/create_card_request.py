from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateCardRequest")


@_attrs_define
class CreateCardRequest:
    """A new card.

    Attributes:
        back (str): The back, 1–20,000 characters.
        front (str): The front, 1–20,000 characters.
        tags (list[str] | Unset): Up to 32 tags, each 1–64 characters.
    """

    back: str
    front: str
    tags: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        back = self.back

        front = self.front

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "back": back,
                "front": front,
            }
        )
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        back = d.pop("back")

        front = d.pop("front")

        tags = cast(list[str], d.pop("tags", UNSET))

        create_card_request = cls(
            back=back,
            front=front,
            tags=tags,
        )

        return create_card_request
