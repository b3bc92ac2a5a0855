from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.document_field import DocumentField
    from ..models.document_review import DocumentReview


T = TypeVar("T", bound="DocumentCard")


@_attrs_define
class DocumentCard:
    """A card: its note's fields, tags and, in an export, the exporter's review state.

    Attributes:
        fields (list[DocumentField]): The fields, in order: the first is the front, the second the back.
        tags (list[str]): Tags.
        guid (str | Unset): Anki's globally unique id of the note, when it came from Anki.
        note_type (str | Unset): The note type's name (`Basic` when absent).
        review (DocumentReview | Unset): A card's review state for one learner: what both schedulers need.
    """

    fields: list[DocumentField]
    tags: list[str]
    guid: str | Unset = UNSET
    note_type: str | Unset = UNSET
    review: DocumentReview | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fields = []
        for fields_item_data in self.fields:
            fields_item = fields_item_data.to_dict()
            fields.append(fields_item)

        tags = self.tags

        guid = self.guid

        note_type = self.note_type

        review: dict[str, Any] | Unset = UNSET
        if not isinstance(self.review, Unset):
            review = self.review.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fields": fields,
                "tags": tags,
            }
        )
        if guid is not UNSET:
            field_dict["guid"] = guid
        if note_type is not UNSET:
            field_dict["note_type"] = note_type
        if review is not UNSET:
            field_dict["review"] = review

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.document_field import DocumentField  # noqa: PLC0415
        from ..models.document_review import DocumentReview  # noqa: PLC0415

        d = dict(src_dict)
        fields = []
        _fields = d.pop("fields")
        for fields_item_data in _fields:
            fields_item = DocumentField.from_dict(fields_item_data)

            fields.append(fields_item)

        tags = cast(list[str], d.pop("tags"))

        guid = d.pop("guid", UNSET)

        note_type = d.pop("note_type", UNSET)

        _review = d.pop("review", UNSET)
        review: DocumentReview | Unset
        if isinstance(_review, Unset):
            review = UNSET
        else:
            review = DocumentReview.from_dict(_review)

        document_card = cls(
            fields=fields,
            tags=tags,
            guid=guid,
            note_type=note_type,
            review=review,
        )

        document_card.additional_properties = d
        return document_card

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
