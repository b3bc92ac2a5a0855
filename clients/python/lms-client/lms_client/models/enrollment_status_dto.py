from enum import StrEnum


class EnrollmentStatusDto(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    EXPIRED = "expired"
    REFUNDED = "refunded"

    def __str__(self) -> str:
        return str(self.value)
