"""Size bands of the statistics and the list filters, defined once.

A band includes its minimum and excludes its maximum ("under 10" is 0-9 members), so the
edges the Seoul City release uses ("fewer than 10", "less than 10,000,000 won") are exact.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Band:
    key: str
    label: str | Promise
    min: int
    max: int | None  # excluded; None = no upper edge

    def q(self, field: str) -> Q:
        condition = Q(**{f"{field}__gte": self.min})
        if self.max is not None:
            condition &= Q(**{f"{field}__lt": self.max})
        return condition

    def contains(self, value: int) -> bool:
        return value >= self.min and (self.max is None or value < self.max)


MEMBER_BANDS: tuple[Band, ...] = (
    Band("under-10", _("Under 10"), 0, 10),
    Band("10-29", _("10 to 29"), 10, 30),
    Band("30-99", _("30 to 99"), 30, 100),
    Band("100-plus", _("100 or more"), 100, None),
)

CAPITAL_BANDS: tuple[Band, ...] = (
    Band("under-10m", _("Under 10,000,000 won"), 0, 10_000_000),
    Band("10m-30m", _("10,000,000 to under 30,000,000 won"), 10_000_000, 30_000_000),
    Band("30m-100m", _("30,000,000 to under 100,000,000 won"), 30_000_000, 100_000_000),
    Band("100m-plus", _("100,000,000 won or more"), 100_000_000, None),
)

MEMBER_BANDS_BY_KEY = {band.key: band for band in MEMBER_BANDS}
CAPITAL_BANDS_BY_KEY = {band.key: band for band in CAPITAL_BANDS}
