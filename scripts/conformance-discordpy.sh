#!/usr/bin/env bash
# Runs discord.py's getting-started bot (from PyPI) against the tether
# emulator binary: the emulator's simulated user says `$hello`, the
# discord.py bot answers `Hello!`, and the emulator must see that answer.
#
# Needs Python 3 with venv and pip, and the package registries. Run from
# anywhere: scripts/conformance-discordpy.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

DISCORD_PY_VERSION="${DISCORD_PY_VERSION:-2.7.1}"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/discordpy-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "discord.py==$DISCORD_PY_VERSION"

cargo build --locked --quiet -p tether-emulator --bin tether-emulator
log="$(mktemp)"
"$target/debug/tether-emulator" --port 0 >"$log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; rm -f "$log"' EXIT

control=""
for _ in $(seq 1 100); do
    control="$(sed -n 's/^Control API: *//p' "$log" | head -n 1)"
    [ -n "$control" ] && break
    if ! kill -0 "$emulator" 2>/dev/null; then
        cat "$log"
        echo "the emulator exited" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$control" ]; then
    cat "$log"
    echo "the emulator did not start" >&2
    exit 1
fi
echo "emulator control API at $control"

if "$venv/bin/python" "$root/scripts/discordpy_hello.py" "$control"; then
    echo "discord.py conformance: passed"
else
    echo "--- emulator log ---"
    cat "$log"
    echo "discord.py conformance: FAILED" >&2
    exit 1
fi
