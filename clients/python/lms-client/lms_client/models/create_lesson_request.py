from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..models.lesson_kind_dto import LessonKindDto
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.flashcards_input import FlashcardsInput
    from ..models.quiz_input import QuizInput
    from ..models.text_input import TextInput
    from ..models.video_input import VideoInput


T = TypeVar("T", bound="CreateLessonRequest")


@_attrs_define
class CreateLessonRequest:
    """A new lesson.

    Example:
        {'kind': 'video', 'title': 'Ownership', 'video': {'duration_seconds': 600, 'youtube_id': 'dQw4w9WgXcQ'}}

    Attributes:
        kind (LessonKindDto): The kind of a lesson.
        title (str): Title, 1–200 characters.
        deck_id (UUID | Unset): The deck of a flashcard lesson (the same as `flashcards.deck_id`).
        flashcards (FlashcardsInput | Unset): Flashcard lesson content.
        position (int | Unset): Zero-based position; appended when absent.
        quiz (QuizInput | Unset): Quiz lesson content.
        required (bool | Unset): Counts toward completion (default true).
        text (TextInput | Unset): Text lesson content.
        video (VideoInput | Unset): Video lesson content.
    """

    kind: LessonKindDto
    title: str
    deck_id: UUID | Unset = UNSET
    flashcards: FlashcardsInput | Unset = UNSET
    position: int | Unset = UNSET
    quiz: QuizInput | Unset = UNSET
    required: bool | Unset = UNSET
    text: TextInput | Unset = UNSET
    video: VideoInput | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        title = self.title

        deck_id: str | Unset = UNSET
        if not isinstance(self.deck_id, Unset):
            deck_id = str(self.deck_id)

        flashcards: dict[str, Any] | Unset = UNSET
        if not isinstance(self.flashcards, Unset):
            flashcards = self.flashcards.to_dict()

        position = self.position

        quiz: dict[str, Any] | Unset = UNSET
        if not isinstance(self.quiz, Unset):
            quiz = self.quiz.to_dict()

        required = self.required

        text: dict[str, Any] | Unset = UNSET
        if not isinstance(self.text, Unset):
            text = self.text.to_dict()

        video: dict[str, Any] | Unset = UNSET
        if not isinstance(self.video, Unset):
            video = self.video.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
                "title": title,
            }
        )
        if deck_id is not UNSET:
            field_dict["deck_id"] = deck_id
        if flashcards is not UNSET:
            field_dict["flashcards"] = flashcards
        if position is not UNSET:
            field_dict["position"] = position
        if quiz is not UNSET:
            field_dict["quiz"] = quiz
        if required is not UNSET:
            field_dict["required"] = required
        if text is not UNSET:
            field_dict["text"] = text
        if video is not UNSET:
            field_dict["video"] = video

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.flashcards_input import FlashcardsInput  # noqa: PLC0415
        from ..models.quiz_input import QuizInput  # noqa: PLC0415
        from ..models.text_input import TextInput  # noqa: PLC0415
        from ..models.video_input import VideoInput  # noqa: PLC0415

        d = dict(src_dict)
        kind = LessonKindDto(d.pop("kind"))

        title = d.pop("title")

        _deck_id = d.pop("deck_id", UNSET)
        deck_id: UUID | Unset
        if isinstance(_deck_id, Unset):
            deck_id = UNSET
        else:
            deck_id = UUID(_deck_id)

        _flashcards = d.pop("flashcards", UNSET)
        flashcards: FlashcardsInput | Unset
        if isinstance(_flashcards, Unset):
            flashcards = UNSET
        else:
            flashcards = FlashcardsInput.from_dict(_flashcards)

        position = d.pop("position", UNSET)

        _quiz = d.pop("quiz", UNSET)
        quiz: QuizInput | Unset
        if isinstance(_quiz, Unset):
            quiz = UNSET
        else:
            quiz = QuizInput.from_dict(_quiz)

        required = d.pop("required", UNSET)

        _text = d.pop("text", UNSET)
        text: TextInput | Unset
        if isinstance(_text, Unset):
            text = UNSET
        else:
            text = TextInput.from_dict(_text)

        _video = d.pop("video", UNSET)
        video: VideoInput | Unset
        if isinstance(_video, Unset):
            video = UNSET
        else:
            video = VideoInput.from_dict(_video)

        create_lesson_request = cls(
            kind=kind,
            title=title,
            deck_id=deck_id,
            flashcards=flashcards,
            position=position,
            quiz=quiz,
            required=required,
            text=text,
            video=video,
        )

        return create_lesson_request
