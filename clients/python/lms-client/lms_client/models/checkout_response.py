from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CheckoutResponse")


@_attrs_define
class CheckoutResponse:
    """The answer to a checkout: every field present, `null` where it has no value.

    Example:
        {'amount_minor': 4900, 'class_id': None, 'client_secret': 'pi_3QfX2bL0aZ_secret_Kq9', 'course_id':
            '01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f', 'course_ids': ['01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f'], 'currency':
            'EUR', 'id': '01a2082b-d001-7a3c-9a10-0c2b3f4e5d6a', 'provider': 'stripe', 'provider_reference':
            'pi_3QfX2bL0aZ', 'status': 'paid'}

    Attributes:
        amount_minor (int): The price, in minor units (cents).
        course_ids (list[UUID]): The courses the order gives access to once paid.
        currency (str): ISO 4217 currency code.
        id (UUID): The order.
        provider (str): `stripe` or `manual`.
        status (str): `pending`, `paid` or `failed`.
        class_id (None | Unset | UUID): The class bought; `null` for a course order.
        client_secret (None | str | Unset): For Stripe.js to confirm a pending payment in the browser.
        course_id (None | Unset | UUID): The course bought; `null` for a class order.
        provider_reference (None | str | Unset): The provider's payment id (a PaymentIntent id).
    """

    amount_minor: int
    course_ids: list[UUID]
    currency: str
    id: UUID
    provider: str
    status: str
    class_id: None | Unset | UUID = UNSET
    client_secret: None | str | Unset = UNSET
    course_id: None | Unset | UUID = UNSET
    provider_reference: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        course_ids = []
        for course_ids_item_data in self.course_ids:
            course_ids_item = str(course_ids_item_data)
            course_ids.append(course_ids_item)

        currency = self.currency

        id = str(self.id)

        provider = self.provider

        status = self.status

        class_id: None | str | Unset
        if isinstance(self.class_id, Unset):
            class_id = UNSET
        elif isinstance(self.class_id, UUID):
            class_id = str(self.class_id)
        else:
            class_id = self.class_id

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

        course_id: None | str | Unset
        if isinstance(self.course_id, Unset):
            course_id = UNSET
        elif isinstance(self.course_id, UUID):
            course_id = str(self.course_id)
        else:
            course_id = self.course_id

        provider_reference: None | str | Unset
        if isinstance(self.provider_reference, Unset):
            provider_reference = UNSET
        else:
            provider_reference = self.provider_reference

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "course_ids": course_ids,
                "currency": currency,
                "id": id,
                "provider": provider,
                "status": status,
            }
        )
        if class_id is not UNSET:
            field_dict["class_id"] = class_id
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if course_id is not UNSET:
            field_dict["course_id"] = course_id
        if provider_reference is not UNSET:
            field_dict["provider_reference"] = provider_reference

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        course_ids = []
        _course_ids = d.pop("course_ids")
        for course_ids_item_data in _course_ids:
            course_ids_item = UUID(course_ids_item_data)

            course_ids.append(course_ids_item)

        currency = d.pop("currency")

        id = UUID(d.pop("id"))

        provider = d.pop("provider")

        status = d.pop("status")

        def _parse_class_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                class_id_type_0 = UUID(data)

                return class_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        class_id = _parse_class_id(d.pop("class_id", UNSET))

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

        def _parse_course_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                course_id_type_0 = UUID(data)

                return course_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        course_id = _parse_course_id(d.pop("course_id", UNSET))

        def _parse_provider_reference(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        provider_reference = _parse_provider_reference(d.pop("provider_reference", UNSET))

        checkout_response = cls(
            amount_minor=amount_minor,
            course_ids=course_ids,
            currency=currency,
            id=id,
            provider=provider,
            status=status,
            class_id=class_id,
            client_secret=client_secret,
            course_id=course_id,
            provider_reference=provider_reference,
        )

        checkout_response.additional_properties = d
        return checkout_response

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
