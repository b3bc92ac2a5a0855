from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RefundRequest")


@_attrs_define
class RefundRequest:
    """A refund to make. The body may be left out: the whole remaining amount.

    Example:
        {'amount_minor': 2000, 'reason': 'Requested within 14 days'}

    Attributes:
        amount_minor (int | Unset): How much, in minor units; all that is left to refund when absent.
        reason (str | Unset): Why (kept with the refund).
    """

    amount_minor: int | Unset = UNSET
    reason: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if amount_minor is not UNSET:
            field_dict["amount_minor"] = amount_minor
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor", UNSET)

        reason = d.pop("reason", UNSET)

        refund_request = cls(
            amount_minor=amount_minor,
            reason=reason,
        )

        return refund_request
