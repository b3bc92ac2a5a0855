from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.error_body import ErrorBody


T = TypeVar("T", bound="ErrorEnvelope")


@_attrs_define
class ErrorEnvelope:
    """The body of every error response.

    Example:
        {'error': {'code': 'LESSON_LOCKED', 'details': {'lesson_id': '01a2082b-c8b8-7d5f-8a33-3f4e5d6c7b80', 'unmet':
            [{'kind': 'lesson', 'lesson_id': '01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f', 'title': 'Ownership'}]}, 'message':
            'lesson 01a2082b-c8b8-7d5f-8a33-3f4e5d6c7b80 is locked', 'request_id': '01a2082b-c942-7e60-9b44-405f6e7d8c91',
            'timestamp': '2026-12-04T09:10:00Z'}}

    Attributes:
        error (ErrorBody): What went wrong.
    """

    error: ErrorBody
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_body import ErrorBody  # noqa: PLC0415

        d = dict(src_dict)
        error = ErrorBody.from_dict(d.pop("error"))

        error_envelope = cls(
            error=error,
        )

        error_envelope.additional_properties = d
        return error_envelope

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
