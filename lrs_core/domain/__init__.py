"""Pure LRS rules: values, formats and check digits. No database, no I/O."""
