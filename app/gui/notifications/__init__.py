"""Where notifications go: the in-window panel, and the system tray (desktop bubbles)."""
