from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lesson_kind_dto import LessonKindDto
from ..models.lesson_state_dto import LessonStateDto
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.flashcards_view import FlashcardsView
    from ..models.quiz_view import QuizView
    from ..models.text_view import TextView
    from ..models.video_view import VideoView


T = TypeVar("T", bound="LessonViewResponse")


@_attrs_define
class LessonViewResponse:
    """A lesson opened by a learner.

    Attributes:
        course_id (UUID): The course.
        id (UUID): Identifier.
        kind (LessonKindDto): The kind of a lesson.
        position (int): Zero-based position.
        state (LessonStateDto): A learner's state on a lesson.
        title (str): Title.
        flashcards (FlashcardsView | Unset): A flashcard lesson's content.
        quiz (QuizView | Unset): A quiz as a learner sees it: no answers.
        text (TextView | Unset): A text lesson's article.
        video (VideoView | Unset): A video as a learner opens it.
    """

    course_id: UUID
    id: UUID
    kind: LessonKindDto
    position: int
    state: LessonStateDto
    title: str
    flashcards: FlashcardsView | Unset = UNSET
    quiz: QuizView | Unset = UNSET
    text: TextView | Unset = UNSET
    video: VideoView | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        course_id = str(self.course_id)

        id = str(self.id)

        kind = self.kind.value

        position = self.position

        state = self.state.value

        title = self.title

        flashcards: dict[str, Any] | Unset = UNSET
        if not isinstance(self.flashcards, Unset):
            flashcards = self.flashcards.to_dict()

        quiz: dict[str, Any] | Unset = UNSET
        if not isinstance(self.quiz, Unset):
            quiz = self.quiz.to_dict()

        text: dict[str, Any] | Unset = UNSET
        if not isinstance(self.text, Unset):
            text = self.text.to_dict()

        video: dict[str, Any] | Unset = UNSET
        if not isinstance(self.video, Unset):
            video = self.video.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "course_id": course_id,
                "id": id,
                "kind": kind,
                "position": position,
                "state": state,
                "title": title,
            }
        )
        if flashcards is not UNSET:
            field_dict["flashcards"] = flashcards
        if quiz is not UNSET:
            field_dict["quiz"] = quiz
        if text is not UNSET:
            field_dict["text"] = text
        if video is not UNSET:
            field_dict["video"] = video

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.flashcards_view import FlashcardsView  # noqa: PLC0415
        from ..models.quiz_view import QuizView  # noqa: PLC0415
        from ..models.text_view import TextView  # noqa: PLC0415
        from ..models.video_view import VideoView  # noqa: PLC0415

        d = dict(src_dict)
        course_id = UUID(d.pop("course_id"))

        id = UUID(d.pop("id"))

        kind = LessonKindDto(d.pop("kind"))

        position = d.pop("position")

        state = LessonStateDto(d.pop("state"))

        title = d.pop("title")

        _flashcards = d.pop("flashcards", UNSET)
        flashcards: FlashcardsView | Unset
        if isinstance(_flashcards, Unset):
            flashcards = UNSET
        else:
            flashcards = FlashcardsView.from_dict(_flashcards)

        _quiz = d.pop("quiz", UNSET)
        quiz: QuizView | Unset
        if isinstance(_quiz, Unset):
            quiz = UNSET
        else:
            quiz = QuizView.from_dict(_quiz)

        _text = d.pop("text", UNSET)
        text: TextView | Unset
        if isinstance(_text, Unset):
            text = UNSET
        else:
            text = TextView.from_dict(_text)

        _video = d.pop("video", UNSET)
        video: VideoView | Unset
        if isinstance(_video, Unset):
            video = UNSET
        else:
            video = VideoView.from_dict(_video)

        lesson_view_response = cls(
            course_id=course_id,
            id=id,
            kind=kind,
            position=position,
            state=state,
            title=title,
            flashcards=flashcards,
            quiz=quiz,
            text=text,
            video=video,
        )

        lesson_view_response.additional_properties = d
        return lesson_view_response

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
