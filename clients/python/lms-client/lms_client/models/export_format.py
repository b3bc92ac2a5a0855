from enum import StrEnum


class ExportFormat(StrEnum):
    APKG = "apkg"
    CSV = "csv"
    JSON = "json"
    TSV = "tsv"

    def __str__(self) -> str:
        return str(self.value)
