from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UptimeResponse")


@_attrs_define
class UptimeResponse:
    """A component's uptime, in percent.

    Attributes:
        last_24_hours (float): Over the last 24 hours.
        last_30_days (float): Over the last 30 days.
        last_7_days (float): Over the last 7 days.
    """

    last_24_hours: float
    last_30_days: float
    last_7_days: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        last_24_hours = self.last_24_hours

        last_30_days = self.last_30_days

        last_7_days = self.last_7_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "last_24_hours": last_24_hours,
                "last_30_days": last_30_days,
                "last_7_days": last_7_days,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        last_24_hours = d.pop("last_24_hours")

        last_30_days = d.pop("last_30_days")

        last_7_days = d.pop("last_7_days")

        uptime_response = cls(
            last_24_hours=last_24_hours,
            last_30_days=last_30_days,
            last_7_days=last_7_days,
        )

        uptime_response.additional_properties = d
        return uptime_response

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
