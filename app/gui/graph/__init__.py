"""The Graph view: tasks as nodes, dependencies as arrows — its read, layout and canvas."""
