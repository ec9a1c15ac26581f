class ThingA:
    def do_something(self, value):
        return value


class ThingB:
    def do_something(self, value):
        return 'safe_value'
