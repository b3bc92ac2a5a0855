from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.card_field_response import CardFieldResponse


T = TypeVar("T", bound="CardResponse")


@_attrs_define
class CardResponse:
    """A card.

    Attributes:
        back (str): The second field.
        created_at (datetime.datetime): Creation time.
        deck_id (UUID): The deck.
        fields (list[CardFieldResponse]): Every field of the note, in order.
        front (str): The first field.
        id (UUID): Identifier.
        note_type (str): The note type.
        position (int): Study order within the deck; pass the last one as `after` for the next page.
        tags (list[str]): Tags.
        guid (str | Unset): Anki's id of the card's note, for cards imported from Anki (kept so that Anki
            recognises the note when the deck goes back to it).
    """

    back: str
    created_at: datetime.datetime
    deck_id: UUID
    fields: list[CardFieldResponse]
    front: str
    id: UUID
    note_type: str
    position: int
    tags: list[str]
    guid: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        back = self.back

        created_at = self.created_at.isoformat()

        deck_id = str(self.deck_id)

        fields = []
        for fields_item_data in self.fields:
            fields_item = fields_item_data.to_dict()
            fields.append(fields_item)

        front = self.front

        id = str(self.id)

        note_type = self.note_type

        position = self.position

        tags = self.tags

        guid = self.guid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "back": back,
                "created_at": created_at,
                "deck_id": deck_id,
                "fields": fields,
                "front": front,
                "id": id,
                "note_type": note_type,
                "position": position,
                "tags": tags,
            }
        )
        if guid is not UNSET:
            field_dict["guid"] = guid

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.card_field_response import CardFieldResponse  # noqa: PLC0415

        d = dict(src_dict)
        back = d.pop("back")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deck_id = UUID(d.pop("deck_id"))

        fields = []
        _fields = d.pop("fields")
        for fields_item_data in _fields:
            fields_item = CardFieldResponse.from_dict(fields_item_data)

            fields.append(fields_item)

        front = d.pop("front")

        id = UUID(d.pop("id"))

        note_type = d.pop("note_type")

        position = d.pop("position")

        tags = cast(list[str], d.pop("tags"))

        guid = d.pop("guid", UNSET)

        card_response = cls(
            back=back,
            created_at=created_at,
            deck_id=deck_id,
            fields=fields,
            front=front,
            id=id,
            note_type=note_type,
            position=position,
            tags=tags,
            guid=guid,
        )

        card_response.additional_properties = d
        return card_response

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
