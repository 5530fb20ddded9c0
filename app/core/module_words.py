"""How a Python task's module not found is said, one wording for every door: the check
before a save (the editor, as typing pauses; the command line) and the engine's run.

Most often the task's working folder is not the one that holds the module, or none is set:
the words say which folder was looked in, or suggest setting one.
"""

from __future__ import annotations


def not_found(module: str, folder: str | None) -> str:
    """"No module named 'jobs'" with its likely cause: the working folder (where a task's
    modules are imported from first) does not hold it, or none is set."""
    file = module.replace(".", "/")
    if folder is None:
        return (f"No module named {module!r}: no working folder is set; set it to the folder "
                f"that holds {file}.py")
    return (f"No module named {module!r}: the working folder, {folder}, holds no {file}.py "
            f"or {file}/ package, nor does the engine's module path")
