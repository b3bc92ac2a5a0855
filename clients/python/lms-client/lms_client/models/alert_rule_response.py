from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.comparison_name import ComparisonName
from ..models.component_name import ComponentName
from ..models.metric_name import MetricName
from ..models.severity_name import SeverityName

T = TypeVar("T", bound="AlertRuleResponse")


@_attrs_define
class AlertRuleResponse:
    """An alert rule.

    Attributes:
        builtin (bool): One of the defaults (it can be changed and disabled, not deleted).
        comparison (ComparisonName): On which side of the threshold a rule fires.
        component (ComponentName): The part of the platform a rule or incident is about.
        duration_seconds (int): How long the condition must hold before it fires, in seconds.
        enabled (bool): Whether it is evaluated.
        id (UUID): Identifier.
        metric (MetricName): What a rule watches (docs/operations.md lists how each is sampled).
        name (str): Its name.
        severity (SeverityName): How bad a firing rule is.
        threshold (float): The threshold.
    """

    builtin: bool
    comparison: ComparisonName
    component: ComponentName
    duration_seconds: int
    enabled: bool
    id: UUID
    metric: MetricName
    name: str
    severity: SeverityName
    threshold: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        builtin = self.builtin

        comparison = self.comparison.value

        component = self.component.value

        duration_seconds = self.duration_seconds

        enabled = self.enabled

        id = str(self.id)

        metric = self.metric.value

        name = self.name

        severity = self.severity.value

        threshold = self.threshold

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "builtin": builtin,
                "comparison": comparison,
                "component": component,
                "duration_seconds": duration_seconds,
                "enabled": enabled,
                "id": id,
                "metric": metric,
                "name": name,
                "severity": severity,
                "threshold": threshold,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        builtin = d.pop("builtin")

        comparison = ComparisonName(d.pop("comparison"))

        component = ComponentName(d.pop("component"))

        duration_seconds = d.pop("duration_seconds")

        enabled = d.pop("enabled")

        id = UUID(d.pop("id"))

        metric = MetricName(d.pop("metric"))

        name = d.pop("name")

        severity = SeverityName(d.pop("severity"))

        threshold = d.pop("threshold")

        alert_rule_response = cls(
            builtin=builtin,
            comparison=comparison,
            component=component,
            duration_seconds=duration_seconds,
            enabled=enabled,
            id=id,
            metric=metric,
            name=name,
            severity=severity,
            threshold=threshold,
        )

        alert_rule_response.additional_properties = d
        return alert_rule_response

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
