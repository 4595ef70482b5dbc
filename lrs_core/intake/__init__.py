"""The encrypted intake's file formats (User Guide §1.4; issue 13), pure: bytes in, data out.

``mail`` reads an email (.eml, a Maildir), ``archives`` tells an attachment's kind and opens
an encrypted one in memory under limits (AES zip, ZipCrypto, encrypted Office), ``sheets``
reads the spreadsheet inside (.xlsx, .csv in any encoding Excel writes) and maps its header to
learner fields, ``passphrase`` holds the phoned passphrase so it never shows, ``sealed`` seals
what is kept at rest (AES-GCM under the intake key), ``samples`` makes the demo's and the
tests' emails (never real data). Nothing here writes a file, and only ``rows`` reads the
database: it matches an opened file's rows against the register, in the caller's transaction
(writing nothing: the service audits the looks).
"""
