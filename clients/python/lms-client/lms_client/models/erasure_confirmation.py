from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ErasureConfirmation")


@_attrs_define
class ErasureConfirmation:
    """The confirmation of a user's own erasure request.

    Attributes:
        password (str): The account's password.
    """

    password: str

    def to_dict(self) -> dict[str, Any]:
        password = self.password

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "password": password,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        password = d.pop("password")

        erasure_confirmation = cls(
            password=password,
        )

        return erasure_confirmation
