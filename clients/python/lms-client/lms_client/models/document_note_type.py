from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.document_template import DocumentTemplate


T = TypeVar("T", bound="DocumentNoteType")


@_attrs_define
class DocumentNoteType:
    """A note type: fields and card templates, as Anki defines them.

    Attributes:
        cloze (bool): Whether cards come from cloze deletions (`{{c1::…}}`).
        css (str): The styling shared by the templates.
        fields (list[str]): The field names, in order.
        name (str): The name.
        templates (list[DocumentTemplate]): The card templates.
    """

    cloze: bool
    css: str
    fields: list[str]
    name: str
    templates: list[DocumentTemplate]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cloze = self.cloze

        css = self.css

        fields = self.fields

        name = self.name

        templates = []
        for templates_item_data in self.templates:
            templates_item = templates_item_data.to_dict()
            templates.append(templates_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cloze": cloze,
                "css": css,
                "fields": fields,
                "name": name,
                "templates": templates,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.document_template import DocumentTemplate  # noqa: PLC0415

        d = dict(src_dict)
        cloze = d.pop("cloze")

        css = d.pop("css")

        fields = cast(list[str], d.pop("fields"))

        name = d.pop("name")

        templates = []
        _templates = d.pop("templates")
        for templates_item_data in _templates:
            templates_item = DocumentTemplate.from_dict(templates_item_data)

            templates.append(templates_item)

        document_note_type = cls(
            cloze=cloze,
            css=css,
            fields=fields,
            name=name,
            templates=templates,
        )

        document_note_type.additional_properties = d
        return document_note_type

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
