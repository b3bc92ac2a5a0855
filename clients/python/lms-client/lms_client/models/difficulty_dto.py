from enum import StrEnum


class DifficultyDto(StrEnum):
    ADVANCED = "advanced"
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"

    def __str__(self) -> str:
        return str(self.value)
