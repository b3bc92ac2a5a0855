from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
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
        acknowledged_at (datetime.datetime | None | Unset): When someone acknowledged it.
        escalated_at (datetime.datetime | None | Unset): When it was escalated (critical, not acknowledged in time).
        related_to (None | Unset | UUID): The first incident open on the same component when it opened (related alerts).
        resolved_at (datetime.datetime | None | Unset): When it was resolved.
        time_to_resolve_seconds (int | None | Unset): Seconds from opening to resolution (its part of the MTTR).
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
    acknowledged_at: datetime.datetime | None | Unset = UNSET
    escalated_at: datetime.datetime | None | Unset = UNSET
    related_to: None | Unset | UUID = UNSET
    resolved_at: datetime.datetime | None | Unset = UNSET
    time_to_resolve_seconds: int | None | Unset = UNSET
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

        acknowledged_at: None | str | Unset
        if isinstance(self.acknowledged_at, Unset):
            acknowledged_at = UNSET
        elif isinstance(self.acknowledged_at, datetime.datetime):
            acknowledged_at = self.acknowledged_at.isoformat()
        else:
            acknowledged_at = self.acknowledged_at

        escalated_at: None | str | Unset
        if isinstance(self.escalated_at, Unset):
            escalated_at = UNSET
        elif isinstance(self.escalated_at, datetime.datetime):
            escalated_at = self.escalated_at.isoformat()
        else:
            escalated_at = self.escalated_at

        related_to: None | str | Unset
        if isinstance(self.related_to, Unset):
            related_to = UNSET
        elif isinstance(self.related_to, UUID):
            related_to = str(self.related_to)
        else:
            related_to = self.related_to

        resolved_at: None | str | Unset
        if isinstance(self.resolved_at, Unset):
            resolved_at = UNSET
        elif isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        time_to_resolve_seconds: int | None | Unset
        if isinstance(self.time_to_resolve_seconds, Unset):
            time_to_resolve_seconds = UNSET
        else:
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

        def _parse_acknowledged_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                acknowledged_at_type_0 = datetime.datetime.fromisoformat(data)

                return acknowledged_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        acknowledged_at = _parse_acknowledged_at(d.pop("acknowledged_at", UNSET))

        def _parse_escalated_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                escalated_at_type_0 = datetime.datetime.fromisoformat(data)

                return escalated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        escalated_at = _parse_escalated_at(d.pop("escalated_at", UNSET))

        def _parse_related_to(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                related_to_type_0 = UUID(data)

                return related_to_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        related_to = _parse_related_to(d.pop("related_to", UNSET))

        def _parse_resolved_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at", UNSET))

        def _parse_time_to_resolve_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        time_to_resolve_seconds = _parse_time_to_resolve_seconds(d.pop("time_to_resolve_seconds", UNSET))

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
