"""Contract suites: one per port, subclassed once per implementation (see STYLE.md §8)."""
