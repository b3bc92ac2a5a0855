from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="FlashcardsInput")


@_attrs_define
class FlashcardsInput:
    """Flashcard lesson content.

    Attributes:
        deck_id (UUID): The deck, created with this course's id (`POST /api/v1/decks`).
    """

    deck_id: UUID

    def to_dict(self) -> dict[str, Any]:
        deck_id = str(self.deck_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "deck_id": deck_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deck_id = UUID(d.pop("deck_id"))

        flashcards_input = cls(
            deck_id=deck_id,
        )

        return flashcards_input
