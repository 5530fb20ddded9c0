"""What the window keeps between sessions (QSettings) and its light/dark appearance."""
