from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.flashcards_input import FlashcardsInput
    from ..models.quiz_input import QuizInput
    from ..models.text_input import TextInput
    from ..models.video_input import VideoInput


T = TypeVar("T", bound="UpdateLessonRequest")


@_attrs_define
class UpdateLessonRequest:
    """Changes to a lesson; absent fields stay as they are. Content may be replaced by
    sending the object of the lesson's kind.

        Example:
            {'title': 'Ownership and borrowing'}

        Attributes:
            flashcards (FlashcardsInput | Unset): Flashcard lesson content.
            quiz (QuizInput | Unset): Quiz lesson content.
            required (bool | Unset): New required flag.
            text (TextInput | Unset): Text lesson content.
            title (str | Unset): New title, 1–200 characters.
            video (VideoInput | Unset): Video lesson content.
    """

    flashcards: FlashcardsInput | Unset = UNSET
    quiz: QuizInput | Unset = UNSET
    required: bool | Unset = UNSET
    text: TextInput | Unset = UNSET
    title: str | Unset = UNSET
    video: VideoInput | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        flashcards: dict[str, Any] | Unset = UNSET
        if not isinstance(self.flashcards, Unset):
            flashcards = self.flashcards.to_dict()

        quiz: dict[str, Any] | Unset = UNSET
        if not isinstance(self.quiz, Unset):
            quiz = self.quiz.to_dict()

        required = self.required

        text: dict[str, Any] | Unset = UNSET
        if not isinstance(self.text, Unset):
            text = self.text.to_dict()

        title = self.title

        video: dict[str, Any] | Unset = UNSET
        if not isinstance(self.video, Unset):
            video = self.video.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if flashcards is not UNSET:
            field_dict["flashcards"] = flashcards
        if quiz is not UNSET:
            field_dict["quiz"] = quiz
        if required is not UNSET:
            field_dict["required"] = required
        if text is not UNSET:
            field_dict["text"] = text
        if title is not UNSET:
            field_dict["title"] = title
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
        _flashcards = d.pop("flashcards", UNSET)
        flashcards: FlashcardsInput | Unset
        if isinstance(_flashcards, Unset):
            flashcards = UNSET
        else:
            flashcards = FlashcardsInput.from_dict(_flashcards)

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

        title = d.pop("title", UNSET)

        _video = d.pop("video", UNSET)
        video: VideoInput | Unset
        if isinstance(_video, Unset):
            video = UNSET
        else:
            video = VideoInput.from_dict(_video)

        update_lesson_request = cls(
            flashcards=flashcards,
            quiz=quiz,
            required=required,
            text=text,
            title=title,
            video=video,
        )

        return update_lesson_request
