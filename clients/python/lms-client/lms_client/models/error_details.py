from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.field_error_detail import FieldErrorDetail
    from ..models.unmet_dto import UnmetDto


T = TypeVar("T", bound="ErrorDetails")


@_attrs_define
class ErrorDetails:
    """Structured detail of an error; `{}` when there is none.

    Attributes:
        action (str | Unset): `INVALID_STATE_TRANSITION`: what was attempted.
        decline_code (str | Unset): `CARD_DECLINED`: the payment provider's decline code.
        entity (str | Unset): `…_NOT_FOUND`, `…_ALREADY_EXISTS`, `CONFLICT`: the kind of thing.
        fields (list[FieldErrorDetail] | Unset): `VALIDATION_ERROR`: every invalid value.
        from_ (str | Unset): `INVALID_STATE_TRANSITION`: the enrollment's state.
        id (str | Unset): `…_NOT_FOUND`: the identifier looked for.
        key (str | Unset): `…_ALREADY_EXISTS`: the unique value taken.
        lesson_id (UUID | Unset): `LESSON_LOCKED`: the locked lesson.
        limit (int | Unset): `QUIZ_ATTEMPTS_EXHAUSTED`: the attempt limit; `RATE_LIMITED`: requests per window.
        reason (str | Unset): `BAD_REQUEST`: why the body could not be read.
        retry_after_seconds (int | Unset): `RATE_LIMITED`: seconds until the window resets.
        status (str | Unset): `COURSE_STATE`: the course's state.
        unmet (list[UnmetDto] | Unset): `LESSON_LOCKED`: what to complete first.
    """

    action: str | Unset = UNSET
    decline_code: str | Unset = UNSET
    entity: str | Unset = UNSET
    fields: list[FieldErrorDetail] | Unset = UNSET
    from_: str | Unset = UNSET
    id: str | Unset = UNSET
    key: str | Unset = UNSET
    lesson_id: UUID | Unset = UNSET
    limit: int | Unset = UNSET
    reason: str | Unset = UNSET
    retry_after_seconds: int | Unset = UNSET
    status: str | Unset = UNSET
    unmet: list[UnmetDto] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        decline_code = self.decline_code

        entity = self.entity

        fields: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.fields, Unset):
            fields = []
            for fields_item_data in self.fields:
                fields_item = fields_item_data.to_dict()
                fields.append(fields_item)

        from_ = self.from_

        id = self.id

        key = self.key

        lesson_id: str | Unset = UNSET
        if not isinstance(self.lesson_id, Unset):
            lesson_id = str(self.lesson_id)

        limit = self.limit

        reason = self.reason

        retry_after_seconds = self.retry_after_seconds

        status = self.status

        unmet: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.unmet, Unset):
            unmet = []
            for unmet_item_data in self.unmet:
                unmet_item = unmet_item_data.to_dict()
                unmet.append(unmet_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if action is not UNSET:
            field_dict["action"] = action
        if decline_code is not UNSET:
            field_dict["decline_code"] = decline_code
        if entity is not UNSET:
            field_dict["entity"] = entity
        if fields is not UNSET:
            field_dict["fields"] = fields
        if from_ is not UNSET:
            field_dict["from"] = from_
        if id is not UNSET:
            field_dict["id"] = id
        if key is not UNSET:
            field_dict["key"] = key
        if lesson_id is not UNSET:
            field_dict["lesson_id"] = lesson_id
        if limit is not UNSET:
            field_dict["limit"] = limit
        if reason is not UNSET:
            field_dict["reason"] = reason
        if retry_after_seconds is not UNSET:
            field_dict["retry_after_seconds"] = retry_after_seconds
        if status is not UNSET:
            field_dict["status"] = status
        if unmet is not UNSET:
            field_dict["unmet"] = unmet

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.field_error_detail import FieldErrorDetail  # noqa: PLC0415
        from ..models.unmet_dto import UnmetDto  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action", UNSET)

        decline_code = d.pop("decline_code", UNSET)

        entity = d.pop("entity", UNSET)

        _fields = d.pop("fields", UNSET)
        fields: list[FieldErrorDetail] | Unset = UNSET
        if _fields is not UNSET:
            fields = []
            for fields_item_data in _fields:
                fields_item = FieldErrorDetail.from_dict(fields_item_data)

                fields.append(fields_item)

        from_ = d.pop("from", UNSET)

        id = d.pop("id", UNSET)

        key = d.pop("key", UNSET)

        _lesson_id = d.pop("lesson_id", UNSET)
        lesson_id: UUID | Unset
        if isinstance(_lesson_id, Unset):
            lesson_id = UNSET
        else:
            lesson_id = UUID(_lesson_id)

        limit = d.pop("limit", UNSET)

        reason = d.pop("reason", UNSET)

        retry_after_seconds = d.pop("retry_after_seconds", UNSET)

        status = d.pop("status", UNSET)

        _unmet = d.pop("unmet", UNSET)
        unmet: list[UnmetDto] | Unset = UNSET
        if _unmet is not UNSET:
            unmet = []
            for unmet_item_data in _unmet:
                unmet_item = UnmetDto.from_dict(unmet_item_data)

                unmet.append(unmet_item)

        error_details = cls(
            action=action,
            decline_code=decline_code,
            entity=entity,
            fields=fields,
            from_=from_,
            id=id,
            key=key,
            lesson_id=lesson_id,
            limit=limit,
            reason=reason,
            retry_after_seconds=retry_after_seconds,
            status=status,
            unmet=unmet,
        )

        error_details.additional_properties = d
        return error_details

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
