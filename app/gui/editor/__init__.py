"""The task editor: one dialog, a page per group of fields (see `dialog.py`)."""
