from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CheckoutResponse")


@_attrs_define
class CheckoutResponse:
    """The answer to a checkout.

    Example:
        {'amount_minor': 4900, 'client_secret': 'pi_3QfX2bL0aZ_secret_Kq9', 'course_id':
            '01a2082b-c8af-7c4e-9f22-2e3d4c5b6a7f', 'currency': 'EUR', 'id': '01a2082b-d001-7a3c-9a10-0c2b3f4e5d6a',
            'provider': 'stripe', 'provider_reference': 'pi_3QfX2bL0aZ', 'status': 'paid'}

    Attributes:
        amount_minor (int): The price, in minor units (cents).
        course_id (UUID): The course bought.
        currency (str): ISO 4217 currency code.
        id (UUID): The order.
        provider (str): `stripe` or `manual`.
        status (str): `pending`, `paid` or `failed`.
        client_secret (str | Unset): For Stripe.js to confirm a pending payment in the browser.
        provider_reference (str | Unset): The provider's payment id (a PaymentIntent id).
    """

    amount_minor: int
    course_id: UUID
    currency: str
    id: UUID
    provider: str
    status: str
    client_secret: str | Unset = UNSET
    provider_reference: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        course_id = str(self.course_id)

        currency = self.currency

        id = str(self.id)

        provider = self.provider

        status = self.status

        client_secret = self.client_secret

        provider_reference = self.provider_reference

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "course_id": course_id,
                "currency": currency,
                "id": id,
                "provider": provider,
                "status": status,
            }
        )
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if provider_reference is not UNSET:
            field_dict["provider_reference"] = provider_reference

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        course_id = UUID(d.pop("course_id"))

        currency = d.pop("currency")

        id = UUID(d.pop("id"))

        provider = d.pop("provider")

        status = d.pop("status")

        client_secret = d.pop("client_secret", UNSET)

        provider_reference = d.pop("provider_reference", UNSET)

        checkout_response = cls(
            amount_minor=amount_minor,
            course_id=course_id,
            currency=currency,
            id=id,
            provider=provider,
            status=status,
            client_secret=client_secret,
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
