"""LRS Desk's Textual application: thin screens over lrs_core's services."""
