from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.performance_window import PerformanceWindow

if TYPE_CHECKING:
    from ..models.health_breakdown import HealthBreakdown
    from ..models.route_performance import RoutePerformance


T = TypeVar("T", bound="PerformanceResponse")


@_attrs_define
class PerformanceResponse:
    """The performance view.

    Attributes:
        breakdown (HealthBreakdown): The terms of the health score (docs/operations.md has the formula).
        health_score (int): 0–100.
        routes (list[RoutePerformance]): Every route with traffic in the window, busiest first.
        window (PerformanceWindow): The performance view's window.
    """

    breakdown: HealthBreakdown
    health_score: int
    routes: list[RoutePerformance]
    window: PerformanceWindow
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        breakdown = self.breakdown.to_dict()

        health_score = self.health_score

        routes = []
        for routes_item_data in self.routes:
            routes_item = routes_item_data.to_dict()
            routes.append(routes_item)

        window = self.window.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "breakdown": breakdown,
                "health_score": health_score,
                "routes": routes,
                "window": window,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_breakdown import HealthBreakdown  # noqa: PLC0415
        from ..models.route_performance import RoutePerformance  # noqa: PLC0415

        d = dict(src_dict)
        breakdown = HealthBreakdown.from_dict(d.pop("breakdown"))

        health_score = d.pop("health_score")

        routes = []
        _routes = d.pop("routes")
        for routes_item_data in _routes:
            routes_item = RoutePerformance.from_dict(routes_item_data)

            routes.append(routes_item)

        window = PerformanceWindow(d.pop("window"))

        performance_response = cls(
            breakdown=breakdown,
            health_score=health_score,
            routes=routes,
            window=window,
        )

        performance_response.additional_properties = d
        return performance_response

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
