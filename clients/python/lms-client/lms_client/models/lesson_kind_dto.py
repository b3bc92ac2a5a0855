from enum import StrEnum


class LessonKindDto(StrEnum):
    QUIZ = "quiz"
    TEXT = "text"
    VIDEO = "video"

    def __str__(self) -> str:
        return str(self.value)
