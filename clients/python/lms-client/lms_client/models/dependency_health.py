from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.health_status import HealthStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="DependencyHealth")


@_attrs_define
class DependencyHealth:
    """One dependency's health.

    Attributes:
        latency_ms (float): How long the probe took, in milliseconds.
        name (str): Dependency name (`database`, `rate_limiter`).
        status (HealthStatus): Overall or per-dependency health.
        error (str | Unset): Why it failed.
    """

    latency_ms: float
    name: str
    status: HealthStatus
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        latency_ms = self.latency_ms

        name = self.name

        status = self.status.value

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "latency_ms": latency_ms,
                "name": name,
                "status": status,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        latency_ms = d.pop("latency_ms")

        name = d.pop("name")

        status = HealthStatus(d.pop("status"))

        error = d.pop("error", UNSET)

        dependency_health = cls(
            latency_ms=latency_ms,
            name=name,
            status=status,
            error=error,
        )

        dependency_health.additional_properties = d
        return dependency_health

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
