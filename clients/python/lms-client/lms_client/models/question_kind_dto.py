from enum import StrEnum


class QuestionKindDto(StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    SHORT_ANSWER = "short_answer"
    SINGLE_CHOICE = "single_choice"
    TRUE_FALSE = "true_false"

    def __str__(self) -> str:
        return str(self.value)
