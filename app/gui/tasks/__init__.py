"""The Tasks view: the task table, its model and the actions on the selected tasks."""
