from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.comparison_name import ComparisonName
from ..models.component_name import ComponentName
from ..models.metric_name import MetricName
from ..models.severity_name import SeverityName
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateAlertRuleRequest")


@_attrs_define
class CreateAlertRuleRequest:
    """A new alert rule.

    Attributes:
        duration_seconds (int): How long the condition must hold, in seconds (0 to 86,400).
        metric (MetricName): What a rule watches (docs/operations.md lists how each is sampled).
        name (str): Its name, unique (1–100 characters).
        severity (SeverityName): How bad a firing rule is.
        threshold (float): The threshold.
        comparison (ComparisonName | Unset): On which side of the threshold a rule fires.
        component (ComponentName | Unset): The part of the platform a rule or incident is about.
        enabled (bool | Unset): Whether it is evaluated (default true).
    """

    duration_seconds: int
    metric: MetricName
    name: str
    severity: SeverityName
    threshold: float
    comparison: ComparisonName | Unset = UNSET
    component: ComponentName | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        duration_seconds = self.duration_seconds

        metric = self.metric.value

        name = self.name

        severity = self.severity.value

        threshold = self.threshold

        comparison: str | Unset = UNSET
        if not isinstance(self.comparison, Unset):
            comparison = self.comparison.value

        component: str | Unset = UNSET
        if not isinstance(self.component, Unset):
            component = self.component.value

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "duration_seconds": duration_seconds,
                "metric": metric,
                "name": name,
                "severity": severity,
                "threshold": threshold,
            }
        )
        if comparison is not UNSET:
            field_dict["comparison"] = comparison
        if component is not UNSET:
            field_dict["component"] = component
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        duration_seconds = d.pop("duration_seconds")

        metric = MetricName(d.pop("metric"))

        name = d.pop("name")

        severity = SeverityName(d.pop("severity"))

        threshold = d.pop("threshold")

        _comparison = d.pop("comparison", UNSET)
        comparison: ComparisonName | Unset
        if isinstance(_comparison, Unset):
            comparison = UNSET
        else:
            comparison = ComparisonName(_comparison)

        _component = d.pop("component", UNSET)
        component: ComponentName | Unset
        if isinstance(_component, Unset):
            component = UNSET
        else:
            component = ComponentName(_component)

        enabled = d.pop("enabled", UNSET)

        create_alert_rule_request = cls(
            duration_seconds=duration_seconds,
            metric=metric,
            name=name,
            severity=severity,
            threshold=threshold,
            comparison=comparison,
            component=component,
            enabled=enabled,
        )

        return create_alert_rule_request
