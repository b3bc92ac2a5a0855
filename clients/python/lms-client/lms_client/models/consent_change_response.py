from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ConsentChangeResponse")


@_attrs_define
class ConsentChangeResponse:
    """One answer in a consent's history.

    Attributes:
        at (datetime.datetime): When.
        granted (bool): Given or withdrawn.
        policy_version (str): The policy version answered.
    """

    at: datetime.datetime
    granted: bool
    policy_version: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        granted = self.granted

        policy_version = self.policy_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "granted": granted,
                "policy_version": policy_version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        granted = d.pop("granted")

        policy_version = d.pop("policy_version")

        consent_change_response = cls(
            at=at,
            granted=granted,
            policy_version=policy_version,
        )

        consent_change_response.additional_properties = d
        return consent_change_response

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
