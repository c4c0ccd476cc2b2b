#!/usr/bin/env bash
# `make run`: the bot on 127.0.0.1:3978 (local mode, SQLite) and the Agents Playground on
# 127.0.0.1:56150, both stopped by one Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python="$root/.venv/bin/python"
cd "$root"

"$python" -m bot db upgrade
# The demo committee of .m365agentsplayground.yml: the Playground's user is on the secretariat.
"$python" -m bot members import playground/roster.csv --by camille.tremblay@sct.example.org

"$python" -m bot run &
bot=$!
stop() {
  trap - INT TERM EXIT
  kill "$bot" "${playground:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "${here:-}"
  echo "Arrêté. / Stopped."
}
trap stop INT TERM EXIT

for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:3978/healthz >/dev/null 2>&1 && break
  sleep 0.2
done

# AS=membre (a member), AS=inconnu (on no committee), AS=secretariat2: the Playground's user is
# that person, swapped with Camille in a configuration of this run's own.
here=$(mktemp -d)
"$python" playground/as_user.py "${AS:-secretariat}" > "$here/.m365agentsplayground.yml"
ln -s "$root/playground/node_modules" "$here/node_modules"
cd "$here"
TEAMSAPPTESTER_BROWSER=none node node_modules/@microsoft/m365agentsplayground/cli.js start \
  --disable-telemetry -c msteams -p 56150 -e http://127.0.0.1:3978/api/messages &
playground=$!
echo
echo "  Agents Playground : http://127.0.0.1:56150  (Ctrl-C pour arrêter / to stop)"
echo
wait "$playground"
