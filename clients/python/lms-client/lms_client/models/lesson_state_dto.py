from enum import StrEnum


class LessonStateDto(StrEnum):
    COMPLETED = "completed"
    LOCKED = "locked"
    UNLOCKED = "unlocked"

    def __str__(self) -> str:
        return str(self.value)
