"""Reads of the articles that other parts of the site use."""


def article_home_latest(limit: int = 3) -> list:
    """The latest published articles for the home page; empty while none are published."""
    return []
