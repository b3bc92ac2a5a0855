from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.checkout_request import CheckoutRequest
from ...models.checkout_response import CheckoutResponse
from ...models.error_envelope import ErrorEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    body: CheckoutRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/classes/{id}/checkout".format(
            id=quote(str(id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CheckoutResponse | ErrorEnvelope | None:
    if response.status_code == 201:
        response_201 = CheckoutResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = ErrorEnvelope.from_dict(response.json())

        return response_402

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

    if response.status_code == 408:
        response_408 = ErrorEnvelope.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = ErrorEnvelope.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorEnvelope.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorEnvelope.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorEnvelope.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorEnvelope.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorEnvelope.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CheckoutResponse | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: CheckoutRequest | Unset = UNSET,
) -> Response[CheckoutResponse | ErrorEnvelope]:
    """Buy a whole class at its price: one order, one payment, and access to every
    published course of the class the caller has no access to yet. Answers as a course
    checkout does. A class without a price of its own, or with no published course, is
    409 `NOT_FOR_SALE`; one whose every course the caller already has is 409.

    Args:
        id (UUID):
        body (CheckoutRequest | Unset): A checkout of a course or a class. The body may be left
            out: a pending order. Example: {'payment_method': 'pm_card_visa'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckoutResponse | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: CheckoutRequest | Unset = UNSET,
) -> CheckoutResponse | ErrorEnvelope | None:
    """Buy a whole class at its price: one order, one payment, and access to every
    published course of the class the caller has no access to yet. Answers as a course
    checkout does. A class without a price of its own, or with no published course, is
    409 `NOT_FOR_SALE`; one whose every course the caller already has is 409.

    Args:
        id (UUID):
        body (CheckoutRequest | Unset): A checkout of a course or a class. The body may be left
            out: a pending order. Example: {'payment_method': 'pm_card_visa'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckoutResponse | ErrorEnvelope
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: CheckoutRequest | Unset = UNSET,
) -> Response[CheckoutResponse | ErrorEnvelope]:
    """Buy a whole class at its price: one order, one payment, and access to every
    published course of the class the caller has no access to yet. Answers as a course
    checkout does. A class without a price of its own, or with no published course, is
    409 `NOT_FOR_SALE`; one whose every course the caller already has is 409.

    Args:
        id (UUID):
        body (CheckoutRequest | Unset): A checkout of a course or a class. The body may be left
            out: a pending order. Example: {'payment_method': 'pm_card_visa'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CheckoutResponse | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    body: CheckoutRequest | Unset = UNSET,
) -> CheckoutResponse | ErrorEnvelope | None:
    """Buy a whole class at its price: one order, one payment, and access to every
    published course of the class the caller has no access to yet. Answers as a course
    checkout does. A class without a price of its own, or with no published course, is
    409 `NOT_FOR_SALE`; one whose every course the caller already has is 409.

    Args:
        id (UUID):
        body (CheckoutRequest | Unset): A checkout of a course or a class. The body may be left
            out: a pending order. Example: {'payment_method': 'pm_card_visa'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CheckoutResponse | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
