"""LRS Desk core: the domain rules, storage and services, free of any user interface."""
