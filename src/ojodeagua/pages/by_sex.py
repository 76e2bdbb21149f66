"""Women's, men's and not-said figures side by side: the table any page shows them in.

Readers fill a ``BySexTable`` (``integrity.voices`` for complaints and the agency,
``monitoring.selectors`` for household surveys) and the page includes
``pages/_by_sex.html`` with it. The table counts only records that say the sex; those that do
not (a complaint filed before anyone asked) are counted apart, and when no record says it the
page says "sin datos" instead of showing zeros.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    """One figure: a count out of ``of`` (the records of that sex), or a plain value."""

    value: int | float | None
    of: int | None = None

    @property
    def percent(self) -> int | None:
        """``value`` as a whole percentage of ``of``, halves rounded up (7 of 8 → 88)."""
        if self.value is None or not self.of:
            return None
        return int(self.value * 200 + self.of) // (2 * self.of)


@dataclass(frozen=True)
class Row:
    label: str
    women: Cell
    men: Cell
    unstated: Cell

    @property
    def cells(self) -> tuple[Cell, Cell, Cell]:
        """In the table's order: women, men, not said."""
        return (self.women, self.men, self.unstated)


@dataclass
class BySexTable:
    # What the table is about, said as a caption ("Quejas según quién las presentó").
    caption: str
    # The table's name on the page (``data-by-sex``), for links and tests.
    key: str = ""
    rows: list[Row] = field(default_factory=list)
    # Records that say the sex (a woman, a man, or a person who preferred not to say) …
    with_sex: int = 0
    # … and those where it was never asked: counted apart, never guessed.
    without_sex: int = 0
    # A sentence under the table saying how a figure was computed.
    note: str = ""

    @property
    def has_data(self) -> bool:
        return self.with_sex > 0
