"""Mandates: each member's terms, the reminders before each end, renewals, replacements and
the composition of the committee.

rules (no I/O) · store · service · cards · feature.
"""
