from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="HealthBreakdown")


@_attrs_define
class HealthBreakdown:
    """The terms of the health score (docs/operations.md has the formula).

    Attributes:
        apdex (float): Traffic-weighted Apdex (T = 100 ms), 0–1.
        apdex_points (float): Points from Apdex, of 60.
        dependencies (float): Share of dependencies up (the database; event delivery under 5 minutes behind).
        dependency_points (float): Points from dependencies, of 15.
        error_points (float): Points from the error rate (25 at 0 %, none from 5 %), of 25.
        error_rate (float): Share of requests answered 5xx, 0–1.
    """

    apdex: float
    apdex_points: float
    dependencies: float
    dependency_points: float
    error_points: float
    error_rate: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        apdex = self.apdex

        apdex_points = self.apdex_points

        dependencies = self.dependencies

        dependency_points = self.dependency_points

        error_points = self.error_points

        error_rate = self.error_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apdex": apdex,
                "apdex_points": apdex_points,
                "dependencies": dependencies,
                "dependency_points": dependency_points,
                "error_points": error_points,
                "error_rate": error_rate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        apdex = d.pop("apdex")

        apdex_points = d.pop("apdex_points")

        dependencies = d.pop("dependencies")

        dependency_points = d.pop("dependency_points")

        error_points = d.pop("error_points")

        error_rate = d.pop("error_rate")

        health_breakdown = cls(
            apdex=apdex,
            apdex_points=apdex_points,
            dependencies=dependencies,
            dependency_points=dependency_points,
            error_points=error_points,
            error_rate=error_rate,
        )

        health_breakdown.additional_properties = d
        return health_breakdown

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
