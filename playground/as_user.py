"""`make run AS=…`: the Playground's configuration with another person as its user.

The Playground refuses two users with one id, so the person is swapped with the current user
(Camille, of the secretariat) rather than copied. Prints the configuration on stdout.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CONFIG = Path(__file__).with_name(".m365agentsplayground.yml")
# Who `AS` names: the user's id in the configuration.
PEOPLE = {
    "secretariat": "user-id-0",  # Camille Tremblay, of the secretariat (the default)
    "secretariat2": "user-id-1",  # Mathieu Gagnon, of the secretariat too
    "membre": "user-id-2",  # Amélie Côté, a member
    "member": "user-id-2",
    "inconnu": "user-id-5",  # Olivier Roy, on no committee: the polite refusal
    "stranger": "user-id-5",
}


def swapped(text: str, user_id: str) -> str:
    current = re.search(r"^currentUser:\n((?:  [^\n]*\n)+)", text, re.MULTILINE)
    chosen = re.search(rf"^  - id: {user_id}\n((?:    [^\n]*\n)+)", text, re.MULTILINE)
    if current is None or chosen is None:
        raise SystemExit(f"{user_id} is not in {CONFIG.name}")
    as_current = "  id: " + user_id + "\n" + re.sub(r"^    ", "  ", chosen[1], flags=re.MULTILINE)
    as_listed = re.sub(r"^  ", "    ", current[1], flags=re.MULTILINE).replace(
        "    id:", "  - id:", 1
    )
    text = text.replace(chosen[0], as_listed, 1)
    return text.replace(current[0], "currentUser:\n" + as_current, 1)


def main() -> None:
    wanted = sys.argv[1] if len(sys.argv) > 1 else "secretariat"
    if wanted not in PEOPLE:
        raise SystemExit(f"AS={wanted}: choose one of {', '.join(sorted(PEOPLE))}")
    text = CONFIG.read_text(encoding="utf-8")
    user_id = PEOPLE[wanted]
    sys.stdout.write(text if user_id == "user-id-0" else swapped(text, user_id))


if __name__ == "__main__":
    main()
