"""Operations over a warehouse."""

from __future__ import annotations

import functools
import logging

from .models import Item, Warehouse

log = logging.getLogger(__name__)


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        log.info("calling %s", fn.__name__)
        return fn(*args, **kwargs)

    return wrapper


@logged
def restock(house: Warehouse, name: str, amount: int) -> Item:
    item = house.items.get(name)
    if item is None:
        raise KeyError(name)
    item.quantity += amount
    return item


def total_value(house: Warehouse) -> float:
    total = 0.0
    for item in house:
        total += item.value()
    return total


def cheapest(house: Warehouse, count: int = 3) -> list[Item]:
    return sorted(house, key=lambda item: item.price)[:count]


def report(house: Warehouse) -> str:
    lines = [f"{item.name}: {item.quantity}" for item in house if item.quantity]
    try:
        value = total_value(house)
    except ArithmeticError as exc:
        log.warning("cannot value stock: %s", exc)
        value = float("nan")
    finally:
        log.debug("report done")
    return "\n".join(lines) + f"\ntotal: {value:.2f}"
