"""The committee's meetings: scheduling, the Teams calendar event, attendance, minutes and
decisions, the date polls that lead to a meeting, and the .ics invitation.

rules, store, service, cards, feature for meetings; poll_store, poll_service, poll_cards,
poll_feature for the date polls; invitation for the .ics file.
"""
