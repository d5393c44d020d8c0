"""The rules of development conversations, in plain Python: the domain.

Owns: conversation kinds and states, preparations, minutes, agreements and goals, team
plans, follow-up scheduling, the six-step competence scale, question sheets (parsing
and validation), courses, overviews and anonymous trends, retention rules, who may
read (``visibility``) and who may write (``rights``) each record, the demo organisation.

Must not touch: Flet, files, the clock, the vault, the share, PDFs. Everything comes in
as arguments (``today``, the bytes of a sheet) and goes out as values; ``services``
calls in here, ``storage`` and ``sync`` keep what it produces as plain dictionaries.
``conversations/ruff.toml`` bans the imports that would break this.
"""
