from enum import StrEnum


class LessonKindDto(StrEnum):
    FLASHCARDS = "flashcards"
    QUIZ = "quiz"
    TEXT = "text"
    VIDEO = "video"

    def __str__(self) -> str:
        return str(self.value)
