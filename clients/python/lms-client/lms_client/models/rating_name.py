from enum import StrEnum


class RatingName(StrEnum):
    AGAIN = "again"
    EASY = "easy"
    GOOD = "good"
    HARD = "hard"

    def __str__(self) -> str:
        return str(self.value)
