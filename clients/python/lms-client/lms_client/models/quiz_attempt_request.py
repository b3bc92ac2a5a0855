from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.answer_input import AnswerInput


T = TypeVar("T", bound="QuizAttemptRequest")


@_attrs_define
class QuizAttemptRequest:
    """A quiz attempt.

    Example:
        {'answers': [{'question_id': '01a241de-cb4f-778e-9e32-6f7196a01305', 'selected_options': [0]}]}

    Attributes:
        answers (list[AnswerInput]): Answers, one per question (a quiz has at most 200).
        event_id (UUID | Unset): Idempotency key: the same attempt sent twice is graded once.
    """

    answers: list[AnswerInput]
    event_id: UUID | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        answers = []
        for answers_item_data in self.answers:
            answers_item = answers_item_data.to_dict()
            answers.append(answers_item)

        event_id: str | Unset = UNSET
        if not isinstance(self.event_id, Unset):
            event_id = str(self.event_id)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "answers": answers,
            }
        )
        if event_id is not UNSET:
            field_dict["event_id"] = event_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.answer_input import AnswerInput  # noqa: PLC0415

        d = dict(src_dict)
        answers = []
        _answers = d.pop("answers")
        for answers_item_data in _answers:
            answers_item = AnswerInput.from_dict(answers_item_data)

            answers.append(answers_item)

        _event_id = d.pop("event_id", UNSET)
        event_id: UUID | Unset
        if isinstance(_event_id, Unset):
            event_id = UNSET
        else:
            event_id = UUID(_event_id)

        quiz_attempt_request = cls(
            answers=answers,
            event_id=event_id,
        )

        return quiz_attempt_request
