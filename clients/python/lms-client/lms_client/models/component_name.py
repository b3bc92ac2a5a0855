from enum import StrEnum


class ComponentName(StrEnum):
    API = "api"
    DATABASE = "database"
    EMAIL = "email"
    EVENT_DELIVERY = "event_delivery"
    PAYMENTS = "payments"
    SECURITY = "security"

    def __str__(self) -> str:
        return str(self.value)
