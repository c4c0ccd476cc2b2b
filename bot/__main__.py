"""`python -m bot …`: the command line, composed of the platform's subcommands and each
capability's own (`bot/features/NAME/cli.py`)."""

from __future__ import annotations

import sys

from bot import commandline
from bot.features.actions import cli as actions
from bot.features.commitments import cli as commitments
from bot.features.confidentiality import cli as confidentiality
from bot.features.consultation import cli as consultation
from bot.features.declarations import cli as declarations
from bot.features.mandates import cli as mandates
from bot.features.meetings import cli as meetings
from bot.features.minutes import cli as minutes
from bot.features.personal_data import cli as personal_data

SUBCOMMANDS = (
    *commandline.PLATFORM,
    *personal_data.SUBCOMMANDS,
    *confidentiality.SUBCOMMANDS,
    *meetings.SUBCOMMANDS,
    *minutes.SUBCOMMANDS,
    *declarations.SUBCOMMANDS,
    *mandates.SUBCOMMANDS,
    *consultation.SUBCOMMANDS,
    *actions.SUBCOMMANDS,
    *commitments.SUBCOMMANDS,
)


def main(argv: list[str] | None = None) -> int:
    return commandline.main(SUBCOMMANDS, argv)


if __name__ == "__main__":
    sys.exit(main())
