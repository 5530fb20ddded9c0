"""Widgets and look shared by every view: the paged table model, columns that fit, the
focus ring, icons, status colours and value words, screen-reader names, plots, the inline
error label and the task-name field that completes."""
