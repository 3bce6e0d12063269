"""Packing items into as few groups as fit a size budget (the one packer of the project).

Used wherever a request must stay under one of Salesforce's size limits: the tap splits a
wide object's SELECT list across several queries, the target splits ``Email IN (...)``
lookups across several statements. Costs and budgets may have several dimensions (URI bytes
and SOQL characters, say): a group fits when it fits in every dimension.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class OversizeItemError(ValueError, Generic[T]):
    """One item does not fit the budget even in a group of its own.

    Attributes:
        item: The item.
    """

    def __init__(self, item: T) -> None:
        """Name the item.

        Args:
            item: The item that does not fit.
        """
        super().__init__(f"{item!r} alone exceeds the size budget")
        self.item = item


def pack(
    items: Iterable[T],
    *,
    cost: Callable[[T], Sequence[int]],
    budget: Sequence[int],
    separator: Sequence[int] | None = None,
) -> Iterator[list[T]]:
    """Group ``items`` in order, greedily, so that each group's cost stays within ``budget``.

    Args:
        items: The items, in the order they must keep.
        cost: Size of one item, one number per budget dimension.
        budget: Room per group, per dimension.
        separator: Size added between two items of a group (none by default).

    Yields:
        Non-empty groups; concatenated, they are ``items``.

    Raises:
        OversizeItemError: An item exceeds the budget on its own.
    """
    dims = len(budget)
    gap = tuple(separator) if separator is not None else (0,) * dims
    group: list[T] = []
    used = [0] * dims
    for item in items:
        size = tuple(cost(item))
        if any(size[d] > budget[d] for d in range(dims)):
            raise OversizeItemError(item)
        extra = [size[d] + (gap[d] if group else 0) for d in range(dims)]
        if group and any(used[d] + extra[d] > budget[d] for d in range(dims)):
            yield group
            group, used = [], [0] * dims
            extra = list(size)
        group.append(item)
        used = [used[d] + extra[d] for d in range(dims)]
    if group:
        yield group
