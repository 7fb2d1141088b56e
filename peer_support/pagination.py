"""One page of a long list."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


MAX_PAGE = 100_000
"""No list has that many pages; a larger number would make an offset the database cannot hold (a 500)."""


def page_number(value: str) -> int:
    """`type=` for request.args.get("page", 1, type=page_number): a number outside 1..MAX_PAGE is ignored."""
    number = int(value)
    if not 1 <= number <= MAX_PAGE:
        raise ValueError(value)
    return number
