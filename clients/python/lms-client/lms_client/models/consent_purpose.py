from enum import StrEnum


class ConsentPurpose(StrEnum):
    ANALYTICS = "analytics"
    COOKIES = "cookies"
    MARKETING = "marketing"

    def __str__(self) -> str:
        return str(self.value)
