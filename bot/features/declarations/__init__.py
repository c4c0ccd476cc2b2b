"""Declarations of interests: the general declaration (versioned), each meeting's conflicts,
the measures the secretariat records, retention.

rules (no I/O) · store · service · cards · feature.
"""
