"""The main window's own parts that are not views: menus and toolbar, the status bar, back-up
and restore, and quitting (with the hand-over to a background engine). `main_window`
assembles them with the views."""
