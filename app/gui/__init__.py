"""The desktop window, one package per view.

At the top: `qt` (the one Qt import point), `bridge` (engine events and service changes as Qt
signals), `background` (work off the GUI thread), `session` (store, service, engine and how
they are wired), `bootstrap` (start-up) and `main_window` (assembles the rest, nothing more).
Views, each with its model, view and reads: `tasks`, `runs`, `calendar`, `graph`, `metrics`,
`audit`, and the task `editor`. The window's own parts: `window` (menus, status bar, back-up
and restore, quitting), `notifications` (panel and tray), `settings` (appearance). Shared
widgets: `widgets`. Each view connects itself to the bridge (`connect_bridge`).
"""
