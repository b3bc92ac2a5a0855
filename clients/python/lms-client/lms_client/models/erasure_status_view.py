from enum import StrEnum


class ErasureStatusView(StrEnum):
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    REQUESTED = "requested"

    def __str__(self) -> str:
        return str(self.value)
