"""Documents people take with them, made in memory: PDFs (``pdf.py``: the conversation,
the development agreement with its signatures, the team plan, the question sheet, the
year's board) and calendar files (``calendar.py``: invitations and follow-ups as .ics).

Owns: layout, fonts (DejaVu Sans, embedded), dates in the person's language (babel).
Must not touch: the vault, the share, Flet, files other than the fonts: the caller
decides where the bytes go. fpdf is imported only when the first PDF is made.
"""
