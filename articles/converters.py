"""Path converters of the articles' addresses: four-digit years, two-digit months and slugs
that may be Korean (/articles/tags/협동조합/)."""


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    regex = "[0-9]{2}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):02d}"


class UnicodeSlugConverter:
    """Letters of any script, digits, hyphens and underscores (Django's slug converter is
    ASCII only)."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
