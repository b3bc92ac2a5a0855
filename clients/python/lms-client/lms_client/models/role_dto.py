from enum import StrEnum


class RoleDto(StrEnum):
    ADMIN = "admin"
    INSTRUCTOR = "instructor"
    STUDENT = "student"

    def __str__(self) -> str:
        return str(self.value)
