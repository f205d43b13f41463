"""Readers and writers for every supported input format.

:func:`~coprod_analytics.io.load.load_inquiry` opens any of them by looking at the path.
One module per format: :mod:`~coprod_analytics.io.polis` (Pol.is export folders),
:mod:`~coprod_analytics.io.votes` (long or wide vote tables),
:mod:`~coprod_analytics.io.parquet` (an inquiry as a folder of Parquet files),
:mod:`~coprod_analytics.io.inputs` (estimates, ratings, evidence and the other input
tables), :mod:`~coprod_analytics.io.pabulib` and :mod:`~coprod_analytics.io.preflib`
(budgeting elections and rankings).
"""
