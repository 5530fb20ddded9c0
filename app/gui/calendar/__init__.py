"""The Calendar view: what ran and what will run, by month, week or day — its reads, grids
and day list."""
