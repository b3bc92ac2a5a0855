from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.user_response import UserResponse


T = TypeVar("T", bound="TokenResponse")


@_attrs_define
class TokenResponse:
    """Tokens of a session.

    Example:
        {'access_token': 'eyJhbGciOiJIUzI1NiJ9.e30.signature', 'expires_in': 900, 'refresh_expires_at':
            '2026-12-11T09:00:00Z', 'refresh_token': 'rt_2mVbQ1', 'token_type': 'Bearer', 'user': {'created_at':
            '2026-12-04T09:00:00Z', 'display_name': 'Ada Lovelace', 'email': 'ada@example.com', 'id':
            '01a2082b-c740-7a3c-9a10-0c2b3f4e5d6a', 'premium': False, 'role': 'student'}}

    Attributes:
        access_token (str): JWT access token for the `Authorization: Bearer` header.
        expires_in (int): Seconds until the access token expires.
        refresh_expires_at (datetime.datetime): When the refresh token expires at the latest.
        refresh_token (str): Opaque refresh token; single use, rotated on every refresh.
        token_type (str): Always `Bearer`.
        user (UserResponse): A user account.
    """

    access_token: str
    expires_in: int
    refresh_expires_at: datetime.datetime
    refresh_token: str
    token_type: str
    user: UserResponse
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        expires_in = self.expires_in

        refresh_expires_at = self.refresh_expires_at.isoformat()

        refresh_token = self.refresh_token

        token_type = self.token_type

        user = self.user.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "access_token": access_token,
                "expires_in": expires_in,
                "refresh_expires_at": refresh_expires_at,
                "refresh_token": refresh_token,
                "token_type": token_type,
                "user": user,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_response import UserResponse  # noqa: PLC0415

        d = dict(src_dict)
        access_token = d.pop("access_token")

        expires_in = d.pop("expires_in")

        refresh_expires_at = datetime.datetime.fromisoformat(d.pop("refresh_expires_at"))

        refresh_token = d.pop("refresh_token")

        token_type = d.pop("token_type")

        user = UserResponse.from_dict(d.pop("user"))

        token_response = cls(
            access_token=access_token,
            expires_in=expires_in,
            refresh_expires_at=refresh_expires_at,
            refresh_token=refresh_token,
            token_type=token_type,
            user=user,
        )

        token_response.additional_properties = d
        return token_response

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
