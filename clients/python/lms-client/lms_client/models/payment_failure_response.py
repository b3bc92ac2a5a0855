from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PaymentFailureResponse")


@_attrs_define
class PaymentFailureResponse:
    """Why a payment failed.

    Attributes:
        code (str): `PAYMENT_FAILED` or `CARD_DECLINED`.
        message (str): What the payer can do.
        decline_code (str | Unset): The provider's decline code.
    """

    code: str
    message: str
    decline_code: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        decline_code = self.decline_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
            }
        )
        if decline_code is not UNSET:
            field_dict["decline_code"] = decline_code

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message")

        decline_code = d.pop("decline_code", UNSET)

        payment_failure_response = cls(
            code=code,
            message=message,
            decline_code=decline_code,
        )

        payment_failure_response.additional_properties = d
        return payment_failure_response

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
