"""The action-plan consultation: rounds, comments per item, reasoned responses, proposals, the
public report.

rules (no I/O) · store · service · cards · feature.
"""
