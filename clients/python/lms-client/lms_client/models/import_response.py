from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.skipped_note import SkippedNote


T = TypeVar("T", bound="ImportResponse")


@_attrs_define
class ImportResponse:
    """What an import stored.

    Attributes:
        cards_imported (int): Cards stored.
        deck_id (UUID): The new deck.
        media_imported (int): Media files stored.
        skipped (list[SkippedNote]): Notes left out, with the reason; everything else was stored.
        title (str): Its title.
    """

    cards_imported: int
    deck_id: UUID
    media_imported: int
    skipped: list[SkippedNote]
    title: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cards_imported = self.cards_imported

        deck_id = str(self.deck_id)

        media_imported = self.media_imported

        skipped = []
        for skipped_item_data in self.skipped:
            skipped_item = skipped_item_data.to_dict()
            skipped.append(skipped_item)

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cards_imported": cards_imported,
                "deck_id": deck_id,
                "media_imported": media_imported,
                "skipped": skipped,
                "title": title,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.skipped_note import SkippedNote  # noqa: PLC0415

        d = dict(src_dict)
        cards_imported = d.pop("cards_imported")

        deck_id = UUID(d.pop("deck_id"))

        media_imported = d.pop("media_imported")

        skipped = []
        _skipped = d.pop("skipped")
        for skipped_item_data in _skipped:
            skipped_item = SkippedNote.from_dict(skipped_item_data)

            skipped.append(skipped_item)

        title = d.pop("title")

        import_response = cls(
            cards_imported=cards_imported,
            deck_id=deck_id,
            media_imported=media_imported,
            skipped=skipped,
            title=title,
        )

        import_response.additional_properties = d
        return import_response

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
