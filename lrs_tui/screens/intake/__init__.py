"""The encrypted intake on screen (issue 13 item 8; User Guide §1.4): the queue, a case with
its breach findings first, the passphrase prompt, the row table, the breach incident and its
ladder, the export. Every rule is the core's (``lrs_core.services.intake``,
``breach_incidents``); these screens word what it returns and call it in thread workers."""
