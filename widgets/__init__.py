"""coprod_widgets: the ipywidgets layer of coprod-analytics."""
