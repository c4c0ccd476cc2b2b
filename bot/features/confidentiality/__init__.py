"""The confidentiality commitment every member accepts: its versions, acceptances, reminders.

rules (no I/O) · store (its repositories) · service (use cases, one transaction each) ·
cards · feature (Teams commands, buttons, deliveries, jobs).
"""
