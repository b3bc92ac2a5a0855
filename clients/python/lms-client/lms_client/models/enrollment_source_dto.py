from enum import StrEnum


class EnrollmentSourceDto(StrEnum):
    CLASS = "class"
    FREE = "free"
    GRANT = "grant"
    PURCHASE = "purchase"
    SUBSCRIPTION = "subscription"

    def __str__(self) -> str:
        return str(self.value)
