from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConsentRequest")


@_attrs_define
class ConsentRequest:
    """Giving or withdrawing a consent.

    Attributes:
        granted (bool): `true` to give consent, `false` to withdraw it.
        policy_version (str): The version of the policy the user was shown (`2026-01`).
    """

    granted: bool
    policy_version: str

    def to_dict(self) -> dict[str, Any]:
        granted = self.granted

        policy_version = self.policy_version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "granted": granted,
                "policy_version": policy_version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        granted = d.pop("granted")

        policy_version = d.pop("policy_version")

        consent_request = cls(
            granted=granted,
            policy_version=policy_version,
        )

        return consent_request
