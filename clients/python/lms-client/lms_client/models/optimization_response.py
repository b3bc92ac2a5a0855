from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OptimizationResponse")


@_attrs_define
class OptimizationResponse:
    """FSRS parameters fitted to a deck's review log.

    Attributes:
        histories (int): The review histories (one per learner and card) those reviews make up.
        parameters (list[float]): The parameters, now the deck's.
        reviews_used (int): The reviews they were fitted to.
    """

    histories: int
    parameters: list[float]
    reviews_used: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        histories = self.histories

        parameters = self.parameters

        reviews_used = self.reviews_used

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "histories": histories,
                "parameters": parameters,
                "reviews_used": reviews_used,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        histories = d.pop("histories")

        parameters = cast(list[float], d.pop("parameters"))

        reviews_used = d.pop("reviews_used")

        optimization_response = cls(
            histories=histories,
            parameters=parameters,
            reviews_used=reviews_used,
        )

        optimization_response.additional_properties = d
        return optimization_response

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
