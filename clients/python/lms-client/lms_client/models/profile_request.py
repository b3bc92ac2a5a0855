from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProfileRequest")


@_attrs_define
class ProfileRequest:
    """Corrections to one's profile; absent fields stay as they are.

    Attributes:
        display_name (str | Unset): A new display name, 1–100 characters.
        email (str | Unset): A new email address (unique, case-insensitive).
    """

    display_name: str | Unset = UNSET
    email: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        display_name = self.display_name

        email = self.email

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if email is not UNSET:
            field_dict["email"] = email

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        display_name = d.pop("display_name", UNSET)

        email = d.pop("email", UNSET)

        profile_request = cls(
            display_name=display_name,
            email=email,
        )

        return profile_request
