"""Community mapping and participatory appraisal: the widgets of this family.

Same file roles in every family: ``state`` (traitlets state that calls the core),
``views`` (ipywidgets that only draw), ``figures`` (plotly figures and HTML fragments shared by
the views and the static report) and ``report`` (the static-report section).
"""
