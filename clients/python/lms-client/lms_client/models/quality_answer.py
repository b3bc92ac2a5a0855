from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="QualityAnswer")


@_attrs_define
class QualityAnswer:
    """An SM-2 quality answer.

    Attributes:
        quality (int): 0–2 failed, 3 hard, 4 good, 5 easy.
    """

    quality: int

    def to_dict(self) -> dict[str, Any]:
        quality = self.quality

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "quality": quality,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        quality = d.pop("quality")

        quality_answer = cls(
            quality=quality,
        )

        return quality_answer
