from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.import_deck_files_body import ImportDeckFilesBody
from ...models.import_response import ImportResponse
from ...models.scheduler_name import SchedulerName
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: File | ImportDeckFilesBody | Unset = UNSET,
    title: str | Unset = UNSET,
    course_id: UUID | Unset = UNSET,
    scheduler: SchedulerName | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["title"] = title

    json_course_id: str | Unset = UNSET
    if not isinstance(course_id, Unset):
        json_course_id = str(course_id)
    params["course_id"] = json_course_id

    json_scheduler: str | Unset = UNSET
    if not isinstance(scheduler, Unset):
        json_scheduler = scheduler.value

    params["scheduler"] = json_scheduler

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/decks/import",
        "params": params,
    }

    if isinstance(body, File):
        _kwargs["content"] = body.payload
        headers["Content-Type"] = "application/octet-stream"
    if isinstance(body, ImportDeckFilesBody):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | ImportResponse | None:
    if response.status_code == 201:
        response_201 = ImportResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

    if response.status_code == 408:
        response_408 = ErrorEnvelope.from_dict(response.json())

        return response_408

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
) -> Response[ErrorEnvelope | ImportResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: File | ImportDeckFilesBody | Unset = UNSET,
    title: str | Unset = UNSET,
    course_id: UUID | Unset = UNSET,
    scheduler: SchedulerName | Unset = UNSET,
) -> Response[ErrorEnvelope | ImportResponse]:
    """Import a deck file as a new deck: an Anki package (`.apkg`, current or legacy
    layout, with media), an Anki text file (CSV/TSV, with or without Anki's headers)
    or the JSON deck document, as a form's `file` or as the body. Notes that do not
    fit are skipped and listed; a file that cannot be read (corrupt, truncated, a zip
    bomb) is refused with 422 naming what is wrong, and nothing is stored.

    Args:
        title (str | Unset):
        course_id (UUID | Unset):
        scheduler (SchedulerName | Unset): A deck's scheduling algorithm.
        body (File):
        body (ImportDeckFilesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ImportResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        title=title,
        course_id=course_id,
        scheduler=scheduler,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: File | ImportDeckFilesBody | Unset = UNSET,
    title: str | Unset = UNSET,
    course_id: UUID | Unset = UNSET,
    scheduler: SchedulerName | Unset = UNSET,
) -> ErrorEnvelope | ImportResponse | None:
    """Import a deck file as a new deck: an Anki package (`.apkg`, current or legacy
    layout, with media), an Anki text file (CSV/TSV, with or without Anki's headers)
    or the JSON deck document, as a form's `file` or as the body. Notes that do not
    fit are skipped and listed; a file that cannot be read (corrupt, truncated, a zip
    bomb) is refused with 422 naming what is wrong, and nothing is stored.

    Args:
        title (str | Unset):
        course_id (UUID | Unset):
        scheduler (SchedulerName | Unset): A deck's scheduling algorithm.
        body (File):
        body (ImportDeckFilesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ImportResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        title=title,
        course_id=course_id,
        scheduler=scheduler,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: File | ImportDeckFilesBody | Unset = UNSET,
    title: str | Unset = UNSET,
    course_id: UUID | Unset = UNSET,
    scheduler: SchedulerName | Unset = UNSET,
) -> Response[ErrorEnvelope | ImportResponse]:
    """Import a deck file as a new deck: an Anki package (`.apkg`, current or legacy
    layout, with media), an Anki text file (CSV/TSV, with or without Anki's headers)
    or the JSON deck document, as a form's `file` or as the body. Notes that do not
    fit are skipped and listed; a file that cannot be read (corrupt, truncated, a zip
    bomb) is refused with 422 naming what is wrong, and nothing is stored.

    Args:
        title (str | Unset):
        course_id (UUID | Unset):
        scheduler (SchedulerName | Unset): A deck's scheduling algorithm.
        body (File):
        body (ImportDeckFilesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ImportResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        title=title,
        course_id=course_id,
        scheduler=scheduler,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: File | ImportDeckFilesBody | Unset = UNSET,
    title: str | Unset = UNSET,
    course_id: UUID | Unset = UNSET,
    scheduler: SchedulerName | Unset = UNSET,
) -> ErrorEnvelope | ImportResponse | None:
    """Import a deck file as a new deck: an Anki package (`.apkg`, current or legacy
    layout, with media), an Anki text file (CSV/TSV, with or without Anki's headers)
    or the JSON deck document, as a form's `file` or as the body. Notes that do not
    fit are skipped and listed; a file that cannot be read (corrupt, truncated, a zip
    bomb) is refused with 422 naming what is wrong, and nothing is stored.

    Args:
        title (str | Unset):
        course_id (UUID | Unset):
        scheduler (SchedulerName | Unset): A deck's scheduling algorithm.
        body (File):
        body (ImportDeckFilesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ImportResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            title=title,
            course_id=course_id,
            scheduler=scheduler,
        )
    ).parsed
