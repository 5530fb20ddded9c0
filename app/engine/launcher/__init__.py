"""Commands started outside the engine's interpreter: launcher processes (`loop`), each
starting commands (`spawn`) and reading all their pipes in one event loop, and the engine's
side of them (`client`), which the executor's QThreadPool runnables hand commands to.

Nothing is imported here, so a launcher process starts with only what it needs."""
