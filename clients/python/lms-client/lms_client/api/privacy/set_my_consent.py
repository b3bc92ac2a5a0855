from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.consent_purpose import ConsentPurpose
from ...models.consent_request import ConsentRequest
from ...models.consent_response import ConsentResponse
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    purpose: ConsentPurpose,
    *,
    body: ConsentRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/me/consents/{purpose}".format(
            purpose=quote(str(purpose), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ConsentResponse | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = ConsentResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

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
) -> Response[ConsentResponse | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    purpose: ConsentPurpose,
    *,
    client: AuthenticatedClient,
    body: ConsentRequest,
) -> Response[ConsentResponse | ErrorEnvelope]:
    """Give (`granted: true`) or withdraw (`false`) my consent for a purpose, under the
    policy version I was shown.

    Args:
        purpose (ConsentPurpose): A consent purpose.
        body (ConsentRequest): Giving or withdrawing a consent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConsentResponse | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        purpose=purpose,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    purpose: ConsentPurpose,
    *,
    client: AuthenticatedClient,
    body: ConsentRequest,
) -> ConsentResponse | ErrorEnvelope | None:
    """Give (`granted: true`) or withdraw (`false`) my consent for a purpose, under the
    policy version I was shown.

    Args:
        purpose (ConsentPurpose): A consent purpose.
        body (ConsentRequest): Giving or withdrawing a consent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConsentResponse | ErrorEnvelope
    """

    return sync_detailed(
        purpose=purpose,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    purpose: ConsentPurpose,
    *,
    client: AuthenticatedClient,
    body: ConsentRequest,
) -> Response[ConsentResponse | ErrorEnvelope]:
    """Give (`granted: true`) or withdraw (`false`) my consent for a purpose, under the
    policy version I was shown.

    Args:
        purpose (ConsentPurpose): A consent purpose.
        body (ConsentRequest): Giving or withdrawing a consent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConsentResponse | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        purpose=purpose,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    purpose: ConsentPurpose,
    *,
    client: AuthenticatedClient,
    body: ConsentRequest,
) -> ConsentResponse | ErrorEnvelope | None:
    """Give (`granted: true`) or withdraw (`false`) my consent for a purpose, under the
    policy version I was shown.

    Args:
        purpose (ConsentPurpose): A consent purpose.
        body (ConsentRequest): Giving or withdrawing a consent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConsentResponse | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            purpose=purpose,
            client=client,
            body=body,
        )
    ).parsed
