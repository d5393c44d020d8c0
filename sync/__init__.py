"""The central file share: backends (a mounted folder, SMB), end-to-end encrypted
envelopes for their readers, per-device write-once journals, and the engine that moves
record versions between the vault and the share.

Must not touch: Flet, or the vault's files directly (it goes through ``storage``).
Nothing is synchronised yet: the app works fully offline on one device, and the README
says what the share will hold.
"""
