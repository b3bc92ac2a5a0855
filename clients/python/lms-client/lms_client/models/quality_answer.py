from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="QualityAnswer")


@_attrs_define
class QualityAnswer:
    """An SM-2 quality answer.

    Attributes:
        quality (int): 0–2 failed, 3 hard, 4 good, 5 easy.
        duration_ms (int | Unset): How long the learner took to answer, in milliseconds, as the client measured it:
            the review's study time in the analytics (a minute at most is counted).
    """

    quality: int
    duration_ms: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        quality = self.quality

        duration_ms = self.duration_ms

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "quality": quality,
            }
        )
        if duration_ms is not UNSET:
            field_dict["duration_ms"] = duration_ms

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        quality = d.pop("quality")

        duration_ms = d.pop("duration_ms", UNSET)

        quality_answer = cls(
            quality=quality,
            duration_ms=duration_ms,
        )

        return quality_answer
