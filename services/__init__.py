"""What the screens call: the app's services, in plain Python (no Flet).

- ``app.py``: ``AppSession``, the one object a screen gets — the parts below, put
  together so that none imports another back.
- ``session.py``: one person on this device: profiles, unlocking, their own
  preparations (drafts, autosave), the share and sync, joining the organisation,
  conflicts, the home screen's list.
- ``meeting.py``: planning, holding and signing a conversation; team conversations;
  follow-up.
- ``office.py``: the leader's year and board, HR's competence overview and courses,
  MED's trends.
- ``privacy_desk.py``: export of my data, erasure requests, retention and its audit log.
- ``syncing.py``: when to sync and what the sync bar says.
- ``clock.py``: the one clock.

Owns: the order of work (read the vault, apply a domain rule, save, publish to the
share) and blocking calls, which screens run in a thread. Must not touch: Flet, or
cryptographic primitives. Vault table and key names come from ``storage.schema``.
"""
