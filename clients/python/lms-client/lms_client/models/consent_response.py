from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.consent_purpose import ConsentPurpose
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.consent_change_response import ConsentChangeResponse


T = TypeVar("T", bound="ConsentResponse")


@_attrs_define
class ConsentResponse:
    """A consent for one purpose.

    Attributes:
        granted (bool): Whether consent is given now (never answered: not given).
        history (list[ConsentChangeResponse]): Every answer, oldest first.
        purpose (ConsentPurpose): A consent purpose.
        changed_at (datetime.datetime | Unset): When the current answer was given.
        policy_version (str | Unset): The policy version of the current answer.
    """

    granted: bool
    history: list[ConsentChangeResponse]
    purpose: ConsentPurpose
    changed_at: datetime.datetime | Unset = UNSET
    policy_version: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        granted = self.granted

        history = []
        for history_item_data in self.history:
            history_item = history_item_data.to_dict()
            history.append(history_item)

        purpose = self.purpose.value

        changed_at: str | Unset = UNSET
        if not isinstance(self.changed_at, Unset):
            changed_at = self.changed_at.isoformat()

        policy_version = self.policy_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "granted": granted,
                "history": history,
                "purpose": purpose,
            }
        )
        if changed_at is not UNSET:
            field_dict["changed_at"] = changed_at
        if policy_version is not UNSET:
            field_dict["policy_version"] = policy_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.consent_change_response import ConsentChangeResponse  # noqa: PLC0415

        d = dict(src_dict)
        granted = d.pop("granted")

        history = []
        _history = d.pop("history")
        for history_item_data in _history:
            history_item = ConsentChangeResponse.from_dict(history_item_data)

            history.append(history_item)

        purpose = ConsentPurpose(d.pop("purpose"))

        _changed_at = d.pop("changed_at", UNSET)
        changed_at: datetime.datetime | Unset
        if isinstance(_changed_at, Unset):
            changed_at = UNSET
        else:
            changed_at = datetime.datetime.fromisoformat(_changed_at)

        policy_version = d.pop("policy_version", UNSET)

        consent_response = cls(
            granted=granted,
            history=history,
            purpose=purpose,
            changed_at=changed_at,
            policy_version=policy_version,
        )

        consent_response.additional_properties = d
        return consent_response

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
