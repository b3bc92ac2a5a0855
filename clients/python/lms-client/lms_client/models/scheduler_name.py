from enum import StrEnum


class SchedulerName(StrEnum):
    FSRS = "fsrs"
    SM2 = "sm2"

    def __str__(self) -> str:
        return str(self.value)
