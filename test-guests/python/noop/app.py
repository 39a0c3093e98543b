"""Does nothing: what a Python plugin costs the host before it does any work."""

from wit_world import exports
from wit_world.exports import guest


class Guest(exports.Guest):
    def describe(self) -> guest.PluginInfo:
        return guest.PluginInfo(name="noop-py", version="0.1.0", description="Does nothing.", params=[], datasets=[], outputs=[])

    def run(self, params: list[guest.Param]) -> guest.Output:
        return guest.Output(tables=[], metrics=[])
