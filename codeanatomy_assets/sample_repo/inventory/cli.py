"""Command line entry point."""

import sys

from . import restock
from .models import Item, Warehouse
from .services import report


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    house = Warehouse("main")
    for name in argv:
        house.add(Item(name, 1.0))
    if argv:
        restock(house, argv[0], 10)
    print(report(house))
    return 0


if __name__ == "__main__":
    sys.exit(main())
