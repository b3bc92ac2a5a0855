from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.audit_entry_response_details import AuditEntryResponseDetails


T = TypeVar("T", bound="AuditEntryResponse")


@_attrs_define
class AuditEntryResponse:
    """An audit entry.

    Attributes:
        action (str): What happened (`auth.login`, `admin.request`, `privacy.erasure_completed` …).
        at (datetime.datetime): When it happened.
        details (AuditEntryResponseDetails): Context (no personal data).
        hash_ (str): SHA-256 of this entry's chained content.
        id (UUID): Identifier.
        prev_hash (str): The previous entry's hash.
        seq (int): Position in the chain, from 1.
        actor_id (UUID | Unset): Who did it.
        subject_id (UUID | Unset): The account it concerns.
    """

    action: str
    at: datetime.datetime
    details: AuditEntryResponseDetails
    hash_: str
    id: UUID
    prev_hash: str
    seq: int
    actor_id: UUID | Unset = UNSET
    subject_id: UUID | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        at = self.at.isoformat()

        details = self.details.to_dict()

        hash_ = self.hash_

        id = str(self.id)

        prev_hash = self.prev_hash

        seq = self.seq

        actor_id: str | Unset = UNSET
        if not isinstance(self.actor_id, Unset):
            actor_id = str(self.actor_id)

        subject_id: str | Unset = UNSET
        if not isinstance(self.subject_id, Unset):
            subject_id = str(self.subject_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "at": at,
                "details": details,
                "hash": hash_,
                "id": id,
                "prev_hash": prev_hash,
                "seq": seq,
            }
        )
        if actor_id is not UNSET:
            field_dict["actor_id"] = actor_id
        if subject_id is not UNSET:
            field_dict["subject_id"] = subject_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_entry_response_details import AuditEntryResponseDetails  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        details = AuditEntryResponseDetails.from_dict(d.pop("details"))

        hash_ = d.pop("hash")

        id = UUID(d.pop("id"))

        prev_hash = d.pop("prev_hash")

        seq = d.pop("seq")

        _actor_id = d.pop("actor_id", UNSET)
        actor_id: UUID | Unset
        if isinstance(_actor_id, Unset):
            actor_id = UNSET
        else:
            actor_id = UUID(_actor_id)

        _subject_id = d.pop("subject_id", UNSET)
        subject_id: UUID | Unset
        if isinstance(_subject_id, Unset):
            subject_id = UNSET
        else:
            subject_id = UUID(_subject_id)

        audit_entry_response = cls(
            action=action,
            at=at,
            details=details,
            hash_=hash_,
            id=id,
            prev_hash=prev_hash,
            seq=seq,
            actor_id=actor_id,
            subject_id=subject_id,
        )

        audit_entry_response.additional_properties = d
        return audit_entry_response

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
