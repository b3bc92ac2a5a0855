from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.component_name import ComponentName
from ..models.incident_status_name import IncidentStatusName
from ..models.severity_name import SeverityName
from ..types import UNSET, Unset

T = TypeVar("T", bound="IncidentResponse")


@_attrs_define
class IncidentResponse:
    """An incident.

    Attributes:
        alerts (int): How many times its rule fired while it was open.
        component (ComponentName): The part of the platform a rule or incident is about.
        id (UUID): Identifier.
        opened_at (datetime.datetime): When its rule fired.
        rule (str): The name of the rule that opened it.
        rule_id (UUID): That rule.
        severity (SeverityName): How bad a firing rule is.
        status (IncidentStatusName): Where an incident stands.
        summary (str): What was seen.
        acknowledged_at (datetime.datetime | Unset): When someone acknowledged it.
        escalated_at (datetime.datetime | Unset): When it was escalated (critical, not acknowledged in time).
        related_to (UUID | Unset): The first incident open on the same component when it opened (related alerts).
        resolved_at (datetime.datetime | Unset): When it was resolved.
        time_to_resolve_seconds (int | Unset): Seconds from opening to resolution (its part of the MTTR).
    """

    alerts: int
    component: ComponentName
    id: UUID
    opened_at: datetime.datetime
    rule: str
    rule_id: UUID
    severity: SeverityName
    status: IncidentStatusName
    summary: str
    acknowledged_at: datetime.datetime | Unset = UNSET
    escalated_at: datetime.datetime | Unset = UNSET
    related_to: UUID | Unset = UNSET
    resolved_at: datetime.datetime | Unset = UNSET
    time_to_resolve_seconds: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        alerts = self.alerts

        component = self.component.value

        id = str(self.id)

        opened_at = self.opened_at.isoformat()

        rule = self.rule

        rule_id = str(self.rule_id)

        severity = self.severity.value

        status = self.status.value

        summary = self.summary

        acknowledged_at: str | Unset = UNSET
        if not isinstance(self.acknowledged_at, Unset):
            acknowledged_at = self.acknowledged_at.isoformat()

        escalated_at: str | Unset = UNSET
        if not isinstance(self.escalated_at, Unset):
            escalated_at = self.escalated_at.isoformat()

        related_to: str | Unset = UNSET
        if not isinstance(self.related_to, Unset):
            related_to = str(self.related_to)

        resolved_at: str | Unset = UNSET
        if not isinstance(self.resolved_at, Unset):
            resolved_at = self.resolved_at.isoformat()

        time_to_resolve_seconds = self.time_to_resolve_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "alerts": alerts,
                "component": component,
                "id": id,
                "opened_at": opened_at,
                "rule": rule,
                "rule_id": rule_id,
                "severity": severity,
                "status": status,
                "summary": summary,
            }
        )
        if acknowledged_at is not UNSET:
            field_dict["acknowledged_at"] = acknowledged_at
        if escalated_at is not UNSET:
            field_dict["escalated_at"] = escalated_at
        if related_to is not UNSET:
            field_dict["related_to"] = related_to
        if resolved_at is not UNSET:
            field_dict["resolved_at"] = resolved_at
        if time_to_resolve_seconds is not UNSET:
            field_dict["time_to_resolve_seconds"] = time_to_resolve_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        alerts = d.pop("alerts")

        component = ComponentName(d.pop("component"))

        id = UUID(d.pop("id"))

        opened_at = datetime.datetime.fromisoformat(d.pop("opened_at"))

        rule = d.pop("rule")

        rule_id = UUID(d.pop("rule_id"))

        severity = SeverityName(d.pop("severity"))

        status = IncidentStatusName(d.pop("status"))

        summary = d.pop("summary")

        _acknowledged_at = d.pop("acknowledged_at", UNSET)
        acknowledged_at: datetime.datetime | Unset
        if isinstance(_acknowledged_at, Unset):
            acknowledged_at = UNSET
        else:
            acknowledged_at = datetime.datetime.fromisoformat(_acknowledged_at)

        _escalated_at = d.pop("escalated_at", UNSET)
        escalated_at: datetime.datetime | Unset
        if isinstance(_escalated_at, Unset):
            escalated_at = UNSET
        else:
            escalated_at = datetime.datetime.fromisoformat(_escalated_at)

        _related_to = d.pop("related_to", UNSET)
        related_to: UUID | Unset
        if isinstance(_related_to, Unset):
            related_to = UNSET
        else:
            related_to = UUID(_related_to)

        _resolved_at = d.pop("resolved_at", UNSET)
        resolved_at: datetime.datetime | Unset
        if isinstance(_resolved_at, Unset):
            resolved_at = UNSET
        else:
            resolved_at = datetime.datetime.fromisoformat(_resolved_at)

        time_to_resolve_seconds = d.pop("time_to_resolve_seconds", UNSET)

        incident_response = cls(
            alerts=alerts,
            component=component,
            id=id,
            opened_at=opened_at,
            rule=rule,
            rule_id=rule_id,
            severity=severity,
            status=status,
            summary=summary,
            acknowledged_at=acknowledged_at,
            escalated_at=escalated_at,
            related_to=related_to,
            resolved_at=resolved_at,
            time_to_resolve_seconds=time_to_resolve_seconds,
        )

        incident_response.additional_properties = d
        return incident_response

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
