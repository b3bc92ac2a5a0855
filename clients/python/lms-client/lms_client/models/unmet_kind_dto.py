from enum import StrEnum


class UnmetKindDto(StrEnum):
    COURSE = "course"
    LESSON = "lesson"

    def __str__(self) -> str:
        return str(self.value)
