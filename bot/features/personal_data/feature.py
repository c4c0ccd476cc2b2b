"""`mes données` / `my data`: a member receives everything the bot holds about them (Law 25),
as a page to read and as JSON, through Teams' file consent in their personal chat."""

from __future__ import annotations

from bot.features.context import FeatureContext
from bot.teams.platform import (
    Access,
    Command,
    FeatureSpec,
    FileOffer,
    GeneratedFile,
    Turn,
)

READABLE = "mydata.html"
MACHINE = "mydata.json"
# Personal chat only: a person's data never lands in a channel or a group chat.
OWN = Access(personal_only=True)


class PersonalDataFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.personal_data
        self._files = kit.files

    def spec(self) -> FeatureSpec:
        return FeatureSpec(
            name="personal_data",
            commands=[
                Command(
                    "my_data",
                    "mes données",
                    "my data",
                    "command.my_data",
                    self.send,
                    OWN,
                    # Teams lists ten commands at most: this one is in the help card.
                    in_manifest=False,
                ),
            ],
            files=[FileOffer(READABLE, self.readable, OWN), FileOffer(MACHINE, self.machine, OWN)],
        )

    async def send(self, turn: Turn) -> None:
        """Recorded in the audit chain when asked; then offered as two files. Each file is
        read when Teams asks for it, so what lands in OneDrive is current."""
        await self._service.export(turn.member, turn.member.email)
        await turn.send_text(turn.tr.t("mydata.offered"))
        await self._files.offer(turn, READABLE)
        await self._files.offer(turn, MACHINE)

    async def readable(self, turn: Turn, params: dict[str, str]) -> GeneratedFile:
        data = await self._service.collect(turn.member)
        return GeneratedFile(
            turn.tr.t("mydata.html_name"), turn.tr.t("mydata.html_description"),
            data.as_html(turn.tr),
        )  # fmt: skip

    async def machine(self, turn: Turn, params: dict[str, str]) -> GeneratedFile:
        data = await self._service.collect(turn.member)
        return GeneratedFile(
            turn.tr.t("mydata.json_name"), turn.tr.t("mydata.json_description"), data.as_json()
        )
