"""The Runs view: the run table, its model, and one run in detail (fields, output, plot)."""
