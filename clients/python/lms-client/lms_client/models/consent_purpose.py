from enum import StrEnum


class ConsentPurpose(StrEnum):
    ANALYTICS = "analytics"
    CERTIFICATE_NAME = "certificate_name"
    COOKIES = "cookies"
    MARKETING = "marketing"

    def __str__(self) -> str:
        return str(self.value)
