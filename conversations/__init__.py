"""The rules of development conversations, in plain Python.

Owns: conversation kinds and states, preparations, minutes, agreements and goals, team
plans, follow-up scheduling, the six-step competence scale, question sheets, who may
read (``visibility``) and who may write (``rights``) each record, the demo organisation
and the translation of texts.

Must not touch: Flet, files other than the read-only data under ``assets/``, the vault
or the share. ``views`` calls in here; ``storage`` and ``sync`` store what it produces
as plain dictionaries.
"""
