"""The published language: what crosses service lines.

Event payload classes with their schema versions and upcasters (`archives`, `pledges`,
`scoring`: one module per publishing service, named after it), the topics they travel on
(`topics`), the vocabulary they are written in (`vocabulary`, `stage`) and the school calendar
and periods every date in them falls in (`school_calendar`, `periods`). Every service imports
this package; it imports no service, only the kernel's event base. `python -m contracts
schemas` writes docs/events from it.
"""
