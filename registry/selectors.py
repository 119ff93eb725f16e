"""Reads of the registry that other parts of the site use."""


def registry_home_figures() -> dict | None:
    """Headline figures for the home page; None while the registry holds no co-ops."""
    from registry.statistics import home_figures

    return home_figures()
