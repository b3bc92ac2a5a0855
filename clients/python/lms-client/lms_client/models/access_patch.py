from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.role_dto import RoleDto
from ..types import UNSET, Unset

T = TypeVar("T", bound="AccessPatch")


@_attrs_define
class AccessPatch:
    """Changes to a user's access (admins only).

    Example:
        {'role': 'instructor'}

    Attributes:
        premium (bool | Unset): New premium flag.
        role (RoleDto | Unset): A user's role.
    """

    premium: bool | Unset = UNSET
    role: RoleDto | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        premium = self.premium

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if premium is not UNSET:
            field_dict["premium"] = premium
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        premium = d.pop("premium", UNSET)

        _role = d.pop("role", UNSET)
        role: RoleDto | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = RoleDto(_role)

        access_patch = cls(
            premium=premium,
            role=role,
        )

        return access_patch
