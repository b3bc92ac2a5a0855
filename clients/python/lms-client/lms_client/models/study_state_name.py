from enum import StrEnum


class StudyStateName(StrEnum):
    LEARNING = "learning"
    NEW = "new"
    REVIEW = "review"

    def __str__(self) -> str:
        return str(self.value)
