"""Evidence weighing: the widgets of this family.

Same file roles in every family: ``state`` (traitlets state that calls the core),
``views`` (ipywidgets that only draw; ``PANELS``), ``figures`` (plotly figures and HTML
fragments shared by the views and the static report) and ``report`` (the static-report
section; ``SECTIONS``).
"""
