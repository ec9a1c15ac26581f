"""Inventory: a small stock-keeping package (CodeAnatomy's embedded sample)."""

from .models import Item, PerishableItem, Warehouse
from .services import restock, total_value

__all__ = ["Item", "PerishableItem", "Warehouse", "restock", "total_value"]
