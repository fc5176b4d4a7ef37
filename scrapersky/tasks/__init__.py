"""Background tasks run by the scheduler (and by the CLI)."""
