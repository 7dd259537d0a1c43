"""The archives read model: the performance archive of every member, and roll-ups."""
