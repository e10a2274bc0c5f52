#!/usr/bin/env bash
# Opens the app full-screen in Chromium's kiosk mode once the server answers. Run it from the
# kiosk user's desktop session at login (deploy/kiosk/cnndemo-kiosk.desktop in
# ~/.config/autostart/), with the app running as the cnndemo service (cnndemo.service).
#   CNNDEMO_URL  the page (default http://127.0.0.1:7860/)
set -u
url=${CNNDEMO_URL:-http://127.0.0.1:7860/}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
until curl -fsS -o /dev/null "$url"; do sleep 2; done  # the models load in about 10-20 s
xset s off -dpms 2>/dev/null || true                     # no screen blanking in class
# --kiosk: full screen, no address bar; no pinch zoom or swipe-back; no translate or crash bars;
# a fresh profile each boot so nothing of yesterday's class is kept.
profile=$(mktemp -d)
exec "$browser" --kiosk --user-data-dir="$profile" --no-first-run --noerrdialogs \
  --disable-session-crashed-bubble --disable-translate --disable-features=Translate \
  --disable-pinch --overscroll-history-navigation=0 --check-for-update-interval=31536000 \
  --disable-background-networking "$url"
