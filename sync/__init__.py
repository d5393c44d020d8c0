"""The central file share, end-to-end encrypted: nothing on it is readable by anyone but
the people a record is for.

- ``share.py``: what the engine may ask of any share; ``folder.py`` (a local or mounted
  folder) and ``smb.py`` (SMB spoken directly) implement it; ``locations.py`` picks one.
- ``envelope.py``, ``journal.py`` and ``inbox.py``: the on-share format (share format
  3) — sealed, signed, write-once envelopes; each device's numbered journal segments,
  the history; and per-recipient inboxes, where a push announces its envelopes to each
  person it is for, so a sync costs what is new for this person, not the
  organisation's activity. Inbox names are an HMAC of the recipient's public key, which
  only members know (``inbox.py`` says what the share's administrator still sees).
- ``identity.py``: a person's keys and a vault's device id, kept in the vault.
- ``engine.py``: publish to the outbox, push, pull, authorise (``conversations.rights``),
  merge (``bench/sync.py`` measures it).

Must not touch: Flet, or the vault's files directly (it goes through ``storage``).
"""
