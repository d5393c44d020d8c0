"""The screens, in Flet: they show ``services.app.AppSession`` and call its actions.

Owns: layout, controls, labels, autosave timing, screen-to-screen navigation.
Must not touch: cryptography, files, or rules about conversations — those live in
``services``, ``storage`` and ``conversations``; a handler is a few lines that call a
service. Anything that blocks runs via ``asyncio.to_thread``
so one person's KDF or fsync never freezes another's screen.
"""
