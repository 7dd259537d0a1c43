"""Archives' clients of other services."""
