"""Domain objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .utils.text import slugify


@dataclass
class Item:
    """A thing we keep in stock."""

    name: str
    price: float
    quantity: int = 0

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def value(self) -> float:
        return self.price * self.quantity


@dataclass
class PerishableItem(Item):
    """An item that expires."""

    expires: dt.date = field(default_factory=dt.date.today)

    def value(self) -> float:
        if self.expires < dt.date.today():
            return 0.0
        return super().value()


class Warehouse:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: dict[str, Item] = {}

    def add(self, item: Item) -> None:
        self.items[item.slug] = item

    def __iter__(self):
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)
