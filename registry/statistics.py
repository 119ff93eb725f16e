"""Placeholder until the statistics land (replaced in this change)."""


def home_figures() -> dict | None:
    return None
