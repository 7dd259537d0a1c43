"""Contract suites: one per port, subclassed once per implementation, as in
pyeventsourcing's persistence tests."""
