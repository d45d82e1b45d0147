"""Local stack launcher: starts SecantusDB, Redis, the simulator, the workers and
the gateway as child processes (used by `make run` and by the tests)."""
