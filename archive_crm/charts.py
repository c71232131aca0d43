"""Server-side charts: data shaped for the `_bar_chart.html` partial, drawn in HTML and CSS
(no script, no CDN)."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    percent: float  # of the largest value, 0..100, for the bar's length

    @property
    def step(self) -> int:
        """The bar's length in whole percent: its `share-N` class in css/app.css."""
        return round(self.percent)


def bars(points: Iterable[tuple[str, Decimal]]) -> list[Bar]:
    """Bars scaled to the largest value (negative values draw as empty bars)."""
    points = list(points)
    peak = max((value for _, value in points), default=Decimal(0))
    return [
        Bar(str(label), value, float(max(value, 0) / peak * 100) if peak > 0 else 0.0)
        for label, value in points
    ]
