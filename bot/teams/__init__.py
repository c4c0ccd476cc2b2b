"""Everything botbuilder: authentication, routing, cards, proactive sends.

Nothing outside this package imports botbuilder, so moving to the Microsoft 365 Agents SDK
touches this folder only.
"""
