"""The `lrs-desk` command: starts the TUI, or runs one task for scripts and set-up."""
