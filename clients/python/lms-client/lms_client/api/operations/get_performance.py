from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.performance_response import PerformanceResponse
from ...models.performance_window import PerformanceWindow
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    window: PerformanceWindow | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_window: str | Unset = UNSET
    if not isinstance(window, Unset):
        json_window = window.value

    params["window"] = json_window

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/admin/performance",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | PerformanceResponse | None:
    if response.status_code == 200:
        response_200 = PerformanceResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

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
) -> Response[ErrorEnvelope | PerformanceResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    window: PerformanceWindow | Unset = UNSET,
) -> Response[ErrorEnvelope | PerformanceResponse]:
    """P50/P95/P99, error rate, throughput and Apdex per route over the last 5 minutes,
    hour or day, with the health score and its breakdown (admins). From this
    instance's own requests.

    Args:
        window (PerformanceWindow | Unset): The performance view's window.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PerformanceResponse]
    """

    kwargs = _get_kwargs(
        window=window,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    window: PerformanceWindow | Unset = UNSET,
) -> ErrorEnvelope | PerformanceResponse | None:
    """P50/P95/P99, error rate, throughput and Apdex per route over the last 5 minutes,
    hour or day, with the health score and its breakdown (admins). From this
    instance's own requests.

    Args:
        window (PerformanceWindow | Unset): The performance view's window.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PerformanceResponse
    """

    return sync_detailed(
        client=client,
        window=window,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    window: PerformanceWindow | Unset = UNSET,
) -> Response[ErrorEnvelope | PerformanceResponse]:
    """P50/P95/P99, error rate, throughput and Apdex per route over the last 5 minutes,
    hour or day, with the health score and its breakdown (admins). From this
    instance's own requests.

    Args:
        window (PerformanceWindow | Unset): The performance view's window.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PerformanceResponse]
    """

    kwargs = _get_kwargs(
        window=window,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    window: PerformanceWindow | Unset = UNSET,
) -> ErrorEnvelope | PerformanceResponse | None:
    """P50/P95/P99, error rate, throughput and Apdex per route over the last 5 minutes,
    hour or day, with the health score and its breakdown (admins). From this
    instance's own requests.

    Args:
        window (PerformanceWindow | Unset): The performance view's window.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PerformanceResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            window=window,
        )
    ).parsed
