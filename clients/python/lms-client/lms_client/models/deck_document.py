from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.scheduler_name import SchedulerName
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.document_card import DocumentCard
    from ..models.document_media import DocumentMedia
    from ..models.document_note_type import DocumentNoteType


T = TypeVar("T", bound="DeckDocument")


@_attrs_define
class DeckDocument:
    """A whole deck as one JSON document (`GET /decks/{id}/export?format=json`, and
    accepted by `POST /decks/import`).

        Attributes:
            cards (list[DocumentCard]): The cards, in study order.
            format_ (str): Always `lms-deck`.
            media (list[DocumentMedia]): The media files the cards' fields refer to.
            note_types (list[DocumentNoteType]): The note types of the cards (fields, card templates, styling). Cards naming
                a type
                not listed are kept as they are.
            title (str): The deck's title.
            version (int): The document version, 1.
            desired_retention (float | Unset): FSRS's desired retention.
            new_per_day (int | Unset): New cards per learner and day.
            scheduler (SchedulerName | Unset): A deck's scheduling algorithm.
    """

    cards: list[DocumentCard]
    format_: str
    media: list[DocumentMedia]
    note_types: list[DocumentNoteType]
    title: str
    version: int
    desired_retention: float | Unset = UNSET
    new_per_day: int | Unset = UNSET
    scheduler: SchedulerName | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cards = []
        for cards_item_data in self.cards:
            cards_item = cards_item_data.to_dict()
            cards.append(cards_item)

        format_ = self.format_

        media = []
        for media_item_data in self.media:
            media_item = media_item_data.to_dict()
            media.append(media_item)

        note_types = []
        for note_types_item_data in self.note_types:
            note_types_item = note_types_item_data.to_dict()
            note_types.append(note_types_item)

        title = self.title

        version = self.version

        desired_retention = self.desired_retention

        new_per_day = self.new_per_day

        scheduler: str | Unset = UNSET
        if not isinstance(self.scheduler, Unset):
            scheduler = self.scheduler.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cards": cards,
                "format": format_,
                "media": media,
                "note_types": note_types,
                "title": title,
                "version": version,
            }
        )
        if desired_retention is not UNSET:
            field_dict["desired_retention"] = desired_retention
        if new_per_day is not UNSET:
            field_dict["new_per_day"] = new_per_day
        if scheduler is not UNSET:
            field_dict["scheduler"] = scheduler

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.document_card import DocumentCard  # noqa: PLC0415
        from ..models.document_media import DocumentMedia  # noqa: PLC0415
        from ..models.document_note_type import DocumentNoteType  # noqa: PLC0415

        d = dict(src_dict)
        cards = []
        _cards = d.pop("cards")
        for cards_item_data in _cards:
            cards_item = DocumentCard.from_dict(cards_item_data)

            cards.append(cards_item)

        format_ = d.pop("format")

        media = []
        _media = d.pop("media")
        for media_item_data in _media:
            media_item = DocumentMedia.from_dict(media_item_data)

            media.append(media_item)

        note_types = []
        _note_types = d.pop("note_types")
        for note_types_item_data in _note_types:
            note_types_item = DocumentNoteType.from_dict(note_types_item_data)

            note_types.append(note_types_item)

        title = d.pop("title")

        version = d.pop("version")

        desired_retention = d.pop("desired_retention", UNSET)

        new_per_day = d.pop("new_per_day", UNSET)

        _scheduler = d.pop("scheduler", UNSET)
        scheduler: SchedulerName | Unset
        if isinstance(_scheduler, Unset):
            scheduler = UNSET
        else:
            scheduler = SchedulerName(_scheduler)

        deck_document = cls(
            cards=cards,
            format_=format_,
            media=media,
            note_types=note_types,
            title=title,
            version=version,
            desired_retention=desired_retention,
            new_per_day=new_per_day,
            scheduler=scheduler,
        )

        deck_document.additional_properties = d
        return deck_document

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
