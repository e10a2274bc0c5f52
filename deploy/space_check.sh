#!/usr/bin/env bash
# The Hugging Face Space path, checked from a fresh clone exactly as a Space runs it:
# the README's Python version, `pip install -r requirements.txt` into a new virtual
# environment, `python app.py` with a Space's environment (SPACE_ID, GRADIO_SERVER_NAME=0.0.0.0,
# GRADIO_SERVER_PORT), then deploy/space_probe.py asks it what a visitor would.
#
#   bash deploy/space_check.sh            # about 3-6 minutes (most of it pip)
#
# Needs the Python of the README's front matter (python_version) and the package registry.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^python_version: *"\{0,1\}\([0-9.]*\)"\{0,1\}/\1/p' "$repo/README.md" | head -1)
python="python${version}"
command -v "$python" >/dev/null || { echo "space_check: $python (README python_version) is not installed" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "${app:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
git clone -q "$repo" "$work/space"
cd "$work/space"
echo "space_check: fresh clone of $(git rev-parse --short HEAD), $($python --version)"
"$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SPACE_ID=cnndemo/space-check SPACE_HOST=localhost GRADIO_SERVER_NAME=0.0.0.0 GRADIO_SERVER_PORT=$port \
  .venv/bin/python app.py > app.log 2>&1 &
app=$!
for _ in $(seq 1 180); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
  kill -0 "$app" 2>/dev/null || { tail -40 app.log; echo "space_check: app.py exited" >&2; exit 1; }
  sleep 1
done
.venv/bin/python "$repo/deploy/space_probe.py" "http://127.0.0.1:$port/"
echo "space_check: OK"
