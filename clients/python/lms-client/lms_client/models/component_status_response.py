from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.component_name import ComponentName
from ..models.health_name import HealthName

if TYPE_CHECKING:
    from ..models.uptime_response import UptimeResponse


T = TypeVar("T", bound="ComponentStatusResponse")


@_attrs_define
class ComponentStatusResponse:
    """One component's status.

    Attributes:
        name (ComponentName): The part of the platform a rule or incident is about.
        status (HealthName): How a component or the platform is doing.
        uptime (UptimeResponse): A component's uptime, in percent.
    """

    name: ComponentName
    status: HealthName
    uptime: UptimeResponse
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name.value

        status = self.status.value

        uptime = self.uptime.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "status": status,
                "uptime": uptime,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.uptime_response import UptimeResponse  # noqa: PLC0415

        d = dict(src_dict)
        name = ComponentName(d.pop("name"))

        status = HealthName(d.pop("status"))

        uptime = UptimeResponse.from_dict(d.pop("uptime"))

        component_status_response = cls(
            name=name,
            status=status,
            uptime=uptime,
        )

        component_status_response.additional_properties = d
        return component_status_response

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
