"""Desktop notifications from the engine (issue 13 point 4)."""
