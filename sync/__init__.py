"""The central file share, end-to-end encrypted: nothing on it is readable by anyone but
the people a record is for.

- ``share.py``: what the engine may ask of any share; ``folder.py`` (a local or mounted
  folder) and ``smb.py`` (SMB spoken directly) implement it; ``locations.py`` picks one.
- ``envelope.py`` and ``journal.py``: the on-share format — sealed, signed, write-once
  envelopes and each device's numbered journal segments, which nobody can block.
- ``identity.py``: a person's keys and a vault's device id, kept in the vault.
- ``engine.py``: publish to the outbox, push, pull, authorise (``conversations.rights``),
  merge (``bench/sync.py`` measures it).

Must not touch: Flet, or the vault's files directly (it goes through ``storage``).
"""
