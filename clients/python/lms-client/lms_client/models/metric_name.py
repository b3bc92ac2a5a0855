from enum import StrEnum


class MetricName(StrEnum):
    API_ERROR_RATE = "api_error_rate"
    API_P95_MS = "api_p95_ms"
    DATABASE_UNREACHABLE = "database_unreachable"
    DEAD_LETTERS = "dead_letters"
    DISK_FREE_PERCENT = "disk_free_percent"
    EVENT_BACKLOG_SECONDS = "event_backlog_seconds"
    MEMORY_USED_PERCENT = "memory_used_percent"
    PAYMENT_FAILURE_RATE = "payment_failure_rate"
    SECURITY_ALERTS = "security_alerts"

    def __str__(self) -> str:
        return str(self.value)
