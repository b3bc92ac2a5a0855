from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CertificateResponse")


@_attrs_define
class CertificateResponse:
    """A certificate as anyone may verify it.

    Attributes:
        certificate_id (UUID): The certificate.
        course_id (UUID): The course completed.
        course_title (str): The course's title when the certificate was issued.
        issued_at (datetime.datetime): When the course was completed.
        key_id (str): The id of the signing key (`GET /api/v1/certificates/public-key`).
        signature (str): The Ed25519 signature of `signed_payload`'s UTF-8 bytes, base64.
        signed_payload (str): The canonical form of the facts above, exactly as signed: compact JSON with the keys
            `certificate_id, course_id, course_title, issued_at, learner_name, revoked_at`.
        valid (bool): Whether it stands (not revoked).
        learner_name (str | Unset): The learner's name, shown only when the learner allows it (consent
            `certificate_name`).
        revoked_at (datetime.datetime | Unset): When a refund revoked it; a revoked certificate is no longer valid.
    """

    certificate_id: UUID
    course_id: UUID
    course_title: str
    issued_at: datetime.datetime
    key_id: str
    signature: str
    signed_payload: str
    valid: bool
    learner_name: str | Unset = UNSET
    revoked_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        certificate_id = str(self.certificate_id)

        course_id = str(self.course_id)

        course_title = self.course_title

        issued_at = self.issued_at.isoformat()

        key_id = self.key_id

        signature = self.signature

        signed_payload = self.signed_payload

        valid = self.valid

        learner_name = self.learner_name

        revoked_at: str | Unset = UNSET
        if not isinstance(self.revoked_at, Unset):
            revoked_at = self.revoked_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "certificate_id": certificate_id,
                "course_id": course_id,
                "course_title": course_title,
                "issued_at": issued_at,
                "key_id": key_id,
                "signature": signature,
                "signed_payload": signed_payload,
                "valid": valid,
            }
        )
        if learner_name is not UNSET:
            field_dict["learner_name"] = learner_name
        if revoked_at is not UNSET:
            field_dict["revoked_at"] = revoked_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        certificate_id = UUID(d.pop("certificate_id"))

        course_id = UUID(d.pop("course_id"))

        course_title = d.pop("course_title")

        issued_at = datetime.datetime.fromisoformat(d.pop("issued_at"))

        key_id = d.pop("key_id")

        signature = d.pop("signature")

        signed_payload = d.pop("signed_payload")

        valid = d.pop("valid")

        learner_name = d.pop("learner_name", UNSET)

        _revoked_at = d.pop("revoked_at", UNSET)
        revoked_at: datetime.datetime | Unset
        if isinstance(_revoked_at, Unset):
            revoked_at = UNSET
        else:
            revoked_at = datetime.datetime.fromisoformat(_revoked_at)

        certificate_response = cls(
            certificate_id=certificate_id,
            course_id=course_id,
            course_title=course_title,
            issued_at=issued_at,
            key_id=key_id,
            signature=signature,
            signed_payload=signed_payload,
            valid=valid,
            learner_name=learner_name,
            revoked_at=revoked_at,
        )

        certificate_response.additional_properties = d
        return certificate_response

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
