"""The confidentiality commitment every member accepts: its versions, acceptances, reminders.

rules (no I/O) · store (its repositories) · service (use cases; each write one short transaction) ·
cards · feature (Teams commands, buttons, deliveries, jobs).
"""
