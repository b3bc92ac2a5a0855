from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.role_dto import RoleDto

T = TypeVar("T", bound="UserResponse")


@_attrs_define
class UserResponse:
    """A user account.

    Attributes:
        created_at (datetime.datetime): Registration time.
        display_name (str): Display name.
        email (str): Email address (normalized).
        id (UUID): Identifier.
        premium (bool): Holds a premium subscription.
        role (RoleDto): A user's role.
    """

    created_at: datetime.datetime
    display_name: str
    email: str
    id: UUID
    premium: bool
    role: RoleDto
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        display_name = self.display_name

        email = self.email

        id = str(self.id)

        premium = self.premium

        role = self.role.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "display_name": display_name,
                "email": email,
                "id": id,
                "premium": premium,
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        display_name = d.pop("display_name")

        email = d.pop("email")

        id = UUID(d.pop("id"))

        premium = d.pop("premium")

        role = RoleDto(d.pop("role"))

        user_response = cls(
            created_at=created_at,
            display_name=display_name,
            email=email,
            id=id,
            premium=premium,
            role=role,
        )

        user_response.additional_properties = d
        return user_response

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
