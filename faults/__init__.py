"""The fault suite: real engine processes under deliberate faults, checked against the
promises Tickwork makes (nothing committed lost, nothing run twice, nothing stuck, no
process left behind, the store intact, the audit trail verifiable).

`make faults` runs `python -m faults.storm` (the long storm and every scenario, a JSON
report and a Markdown table); `tests/faults/` runs the same scenarios, small, in `make test`.
"""
