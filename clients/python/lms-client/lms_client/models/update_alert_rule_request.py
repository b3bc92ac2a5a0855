from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.severity_name import SeverityName
from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateAlertRuleRequest")


@_attrs_define
class UpdateAlertRuleRequest:
    """Changes to a rule; absent fields stay.

    Attributes:
        duration_seconds (int | Unset): A new duration, in seconds.
        enabled (bool | Unset): Evaluated or not.
        name (str | Unset): A new name.
        severity (SeverityName | Unset): How bad a firing rule is.
        threshold (float | Unset): A new threshold.
    """

    duration_seconds: int | Unset = UNSET
    enabled: bool | Unset = UNSET
    name: str | Unset = UNSET
    severity: SeverityName | Unset = UNSET
    threshold: float | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        duration_seconds = self.duration_seconds

        enabled = self.enabled

        name = self.name

        severity: str | Unset = UNSET
        if not isinstance(self.severity, Unset):
            severity = self.severity.value

        threshold = self.threshold

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if duration_seconds is not UNSET:
            field_dict["duration_seconds"] = duration_seconds
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if name is not UNSET:
            field_dict["name"] = name
        if severity is not UNSET:
            field_dict["severity"] = severity
        if threshold is not UNSET:
            field_dict["threshold"] = threshold

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        duration_seconds = d.pop("duration_seconds", UNSET)

        enabled = d.pop("enabled", UNSET)

        name = d.pop("name", UNSET)

        _severity = d.pop("severity", UNSET)
        severity: SeverityName | Unset
        if isinstance(_severity, Unset):
            severity = UNSET
        else:
            severity = SeverityName(_severity)

        threshold = d.pop("threshold", UNSET)

        update_alert_rule_request = cls(
            duration_seconds=duration_seconds,
            enabled=enabled,
            name=name,
            severity=severity,
            threshold=threshold,
        )

        return update_alert_rule_request
