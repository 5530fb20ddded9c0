"""The Audit view: the trail of changes, its model and its reads."""
