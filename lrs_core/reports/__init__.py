"""Documents LRS Desk produces: the PLR report (PDF)."""
