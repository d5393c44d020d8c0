"""The app's own data files under ``assets/``, read: the translations (``texts``) and
the shipped question sheets and job profiles (``library``).

Owns: finding and reading those files. What the words and sheets mean is the domain's
(``conversations``); this package hands it bytes and mappings. Must not touch: Flet,
the vault, the share."""
