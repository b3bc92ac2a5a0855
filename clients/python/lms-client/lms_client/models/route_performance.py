from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RoutePerformance")


@_attrs_define
class RoutePerformance:
    """One route's performance over the window.

    Attributes:
        apdex (float): Apdex with T = 100 ms, 0–1.
        error_rate (float): Share answered 5xx, 0–1.
        method (str): The method.
        p50_ms (float): Median response time, in ms (the upper bound of its latency bucket).
        p95_ms (float): 95th percentile, in ms.
        p99_ms (float): 99th percentile, in ms.
        requests (int): Requests handled.
        route (str): The route template (never a raw path).
        throughput_per_second (float): Requests per second over the window (or the server's life, if shorter).
    """

    apdex: float
    error_rate: float
    method: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    route: str
    throughput_per_second: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        apdex = self.apdex

        error_rate = self.error_rate

        method = self.method

        p50_ms = self.p50_ms

        p95_ms = self.p95_ms

        p99_ms = self.p99_ms

        requests = self.requests

        route = self.route

        throughput_per_second = self.throughput_per_second

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apdex": apdex,
                "error_rate": error_rate,
                "method": method,
                "p50_ms": p50_ms,
                "p95_ms": p95_ms,
                "p99_ms": p99_ms,
                "requests": requests,
                "route": route,
                "throughput_per_second": throughput_per_second,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        apdex = d.pop("apdex")

        error_rate = d.pop("error_rate")

        method = d.pop("method")

        p50_ms = d.pop("p50_ms")

        p95_ms = d.pop("p95_ms")

        p99_ms = d.pop("p99_ms")

        requests = d.pop("requests")

        route = d.pop("route")

        throughput_per_second = d.pop("throughput_per_second")

        route_performance = cls(
            apdex=apdex,
            error_rate=error_rate,
            method=method,
            p50_ms=p50_ms,
            p95_ms=p95_ms,
            p99_ms=p99_ms,
            requests=requests,
            route=route,
            throughput_per_second=throughput_per_second,
        )

        route_performance.additional_properties = d
        return route_performance

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
