from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.health_name import HealthName
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.component_status_response import ComponentStatusResponse
    from ..models.incident_response import IncidentResponse


T = TypeVar("T", bound="StatusResponse")


@_attrs_define
class StatusResponse:
    """The public status.

    Attributes:
        components (list[ComponentStatusResponse]): API, database, payments, email and event delivery.
        incidents (list[IncidentResponse]): The latest incidents, newest first.
        status (HealthName): How a component or the platform is doing.
        updated_at (datetime.datetime): When this was computed.
        mttr_seconds (int | None | Unset): Mean time to resolve the incidents of the last 30 days, in seconds.
    """

    components: list[ComponentStatusResponse]
    incidents: list[IncidentResponse]
    status: HealthName
    updated_at: datetime.datetime
    mttr_seconds: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        components = []
        for components_item_data in self.components:
            components_item = components_item_data.to_dict()
            components.append(components_item)

        incidents = []
        for incidents_item_data in self.incidents:
            incidents_item = incidents_item_data.to_dict()
            incidents.append(incidents_item)

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        mttr_seconds: int | None | Unset
        if isinstance(self.mttr_seconds, Unset):
            mttr_seconds = UNSET
        else:
            mttr_seconds = self.mttr_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "components": components,
                "incidents": incidents,
                "status": status,
                "updated_at": updated_at,
            }
        )
        if mttr_seconds is not UNSET:
            field_dict["mttr_seconds"] = mttr_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.component_status_response import ComponentStatusResponse  # noqa: PLC0415
        from ..models.incident_response import IncidentResponse  # noqa: PLC0415

        d = dict(src_dict)
        components = []
        _components = d.pop("components")
        for components_item_data in _components:
            components_item = ComponentStatusResponse.from_dict(components_item_data)

            components.append(components_item)

        incidents = []
        _incidents = d.pop("incidents")
        for incidents_item_data in _incidents:
            incidents_item = IncidentResponse.from_dict(incidents_item_data)

            incidents.append(incidents_item)

        status = HealthName(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_mttr_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        mttr_seconds = _parse_mttr_seconds(d.pop("mttr_seconds", UNSET))

        status_response = cls(
            components=components,
            incidents=incidents,
            status=status,
            updated_at=updated_at,
            mttr_seconds=mttr_seconds,
        )

        status_response.additional_properties = d
        return status_response

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
