from enum import StrEnum


class HealthName(StrEnum):
    DEGRADED = "degraded"
    MAJOR_OUTAGE = "major_outage"
    OPERATIONAL = "operational"

    def __str__(self) -> str:
        return str(self.value)
