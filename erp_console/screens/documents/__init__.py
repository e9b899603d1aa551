"""The Documents tab of screen 4: filter, list, the rendered document and its workflows."""
