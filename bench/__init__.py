"""Benchmarks: ``python3 main.py bench NAME [--quick]`` runs ``bench/NAME.py``'s
``main(argv)``. Each prints a table with references measured in the same run, ends
with ``bench NAME: PASS`` or ``FAIL`` and returns non-zero when a budget is missed.

- ``storage``: autosave latency and unlock time against TinyDB's stock storage and a
  raw write; ``startup``: time to the first page served; ``sync``: a sync's cost
  against rsync and cp, over a folder and loopback Samba, and with ``--org N`` a hire and
  a leaver in a directory of N members; ``pdf``: agreement PDFs,
  one and in bulk; ``overview``: HR's competence overview and the leader's board.

Not part of the app: nothing in the product imports from here.
"""
