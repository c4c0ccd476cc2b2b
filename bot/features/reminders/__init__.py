"""The secretariat's view of what the bot sends on its own (`rappels` / `reminders`): what fails,
who cannot be reached, what is coming, what went; and the card listing unreachable members.

feature (Teams) · cards.
"""
