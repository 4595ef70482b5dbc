"""The organisation directory, portal users and super-user reinstatement (issue 12; User
Guide §3, §3.6): one screen per module, each with its own .tcss."""
