"""`python -m lrs_tui`: start LRS Desk on the configured database."""

from lrs_tui.app import main

main()
