from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.health_status import HealthStatus

if TYPE_CHECKING:
    from ..models.dependency_health import DependencyHealth


T = TypeVar("T", bound="HealthReport")


@_attrs_define
class HealthReport:
    """The detailed health report.

    Attributes:
        checks (list[DependencyHealth]): Every dependency.
        status (HealthStatus): Overall or per-dependency health.
        timestamp (datetime.datetime): Server time.
        uptime_seconds (int): Seconds since start.
        version (str): Server version.
    """

    checks: list[DependencyHealth]
    status: HealthStatus
    timestamp: datetime.datetime
    uptime_seconds: int
    version: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checks = []
        for checks_item_data in self.checks:
            checks_item = checks_item_data.to_dict()
            checks.append(checks_item)

        status = self.status.value

        timestamp = self.timestamp.isoformat()

        uptime_seconds = self.uptime_seconds

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checks": checks,
                "status": status,
                "timestamp": timestamp,
                "uptime_seconds": uptime_seconds,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dependency_health import DependencyHealth  # noqa: PLC0415

        d = dict(src_dict)
        checks = []
        _checks = d.pop("checks")
        for checks_item_data in _checks:
            checks_item = DependencyHealth.from_dict(checks_item_data)

            checks.append(checks_item)

        status = HealthStatus(d.pop("status"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        uptime_seconds = d.pop("uptime_seconds")

        version = d.pop("version")

        health_report = cls(
            checks=checks,
            status=status,
            timestamp=timestamp,
            uptime_seconds=uptime_seconds,
            version=version,
        )

        health_report.additional_properties = d
        return health_report

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
