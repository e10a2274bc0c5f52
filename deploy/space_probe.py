"""What a visitor of a public Space gets: the page, a classification, and capped training.

    python deploy/space_probe.py http://127.0.0.1:7860/

Used by ``deploy/space_check.sh`` (fresh clone, fresh virtual environment) and by
``tests/test_space.py`` (the app started with a Space's environment). Exits non-zero and says
why when something is not as a Space visitor should find it.
"""

from __future__ import annotations

import re
import sys
import tempfile
import urllib.request
from pathlib import Path

from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image


def seven() -> Image.Image:
    picture = Image.new("L", (280, 280), 0)
    from PIL import ImageDraw

    ImageDraw.Draw(picture).line([(70, 60), (210, 60), (120, 240)], fill=255, width=18)
    return picture


def probe(url: str) -> list[str]:
    """Problems found (empty: all good)."""
    problems = []
    with urllib.request.urlopen(url, timeout=30) as page:
        if page.status != 200:
            problems.append(f"GET / answered {page.status}")
    client = Client(url, verbose=False, analytics_enabled=False, download_files=False,
                    headers={"Accept-Language": "en"})
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "seven.png"
        seven().save(path)
        result = client.predict(handle_file(str(path)), "SimpleCNN", api_name="/classify")
        top = result.get("label") if isinstance(result, dict) else None
        if str(top) != "7":
            problems.append(f"/classify read a drawn 7 as {top!r}")
    try:
        client.predict("simplecnn", "mnist", 5, 1000, 32, "adam", 0.001, False, "auto", api_name="/train")
        problems.append("a 5-epoch training was accepted: a public Space should cap training")
    except AppError as error:
        if not re.search(r"\b3\b", str(error)):  # the cap of 3 epochs, in Gradio's words or ours
            problems.append(f"training refused, but not for the cap: {error}")
    return problems


if __name__ == "__main__":
    found = probe(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860/")
    for problem in found:
        print(f"space_probe: {problem}", file=sys.stderr)
    print("space_probe: page, /classify and capped training as a Space visitor finds them" if not found else "")
    sys.exit(1 if found else 0)
