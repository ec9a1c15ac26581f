# An old Python 2 module kept for reference; it does not parse as Python 3.
def print_report(items):
    for item in items:
        print "%s: %d" % (item.name, item.quantity)
