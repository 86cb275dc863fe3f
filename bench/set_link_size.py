"""How big a set is inside its link (pwa/js/online/set-link.js), and the QR code that holds it.

    .venv/bin/python bench/set_link_size.py

Encodes, with the app's own script under Node, a set of five exercises with values and short
item notes, a title, a 280-character note and two suggested times; prints the compressed bytes,
the link's length and the QR code (segno, level M) for a typical public address. Also the same
set packed as stored deflate (what a browser without CompressionStream makes). Target (issue 12):
about 480 bytes compressed, the whole link in a version-20 code at level M.
"""

from __future__ import annotations

import json
import subprocess

import segno
from _setup import bench_settings  # noqa: F401  (the project on the import path)

from server.settings import PROJECT_ROOT

ORIGIN = "https://houvast.example.org"
NOTE = (
    "Fijn dat je er vandaag was. Deze oefeningen kun je tussen de sessies doen, het liefst "
    "een paar keer per week, op een rustig moment. Begin met de aarding als het onrustig is. "
    "Het gaat niet om het goed doen: merk alleen op wat er gebeurt en schrijf het op als je "
    "wilt. Stop als het te veel wordt. Tot volgende week!"
)
SET = {
    "title": "Tussen de sessies: rust en grenzen",
    "note": NOTE[:280],
    "locale": "nl",
    "items": [
        {
            "exercise": "grounding",
            "values": {"what-see.duration": 45, "long-breath-out.cycles": 5},
            "note": "Als het onrustig wordt.",
        },
        {
            "exercise": "paced-breathing",
            "values": {"breathe-along.exhale": 8, "breathe-along.cycles": 12},
            "note": "Elke avond voor het slapen.",
        },
        {"exercise": "protector", "values": {"safe-place.duration": 90}, "note": ""},
        {"exercise": "stop-solo", "values": {"practise-stop.rounds": 5}, "note": "Hardop."},
        {"exercise": "four-s", "values": {}, "note": "Neem je tijd."},
    ],
    "reminders": [{"days": [1, 3, 5], "time": "08:30"}, {"days": [2, 4], "time": "20:00"}],
}
SCRIPT = """
const { encodeSet } = await import(process.argv[1]);
const set = JSON.parse(process.argv[2]);
console.log(JSON.stringify({
  packed: await encodeSet(set), stored: await encodeSet(set, { native: false }),
}));
"""


def main() -> None:
    assert len(SET["note"]) == 280
    module = (PROJECT_ROOT / "pwa/js/online/set-link.js").as_uri()
    out = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT, module, json.dumps(SET)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    links = json.loads(out)
    json_bytes = len(json.dumps(SET, ensure_ascii=False).encode())
    print(f"set as plain JSON: {json_bytes} bytes (five items, a 280-character note)")
    for name, text in links.items():
        data = len(text) - 2  # "1." before the base64url
        compressed = data * 3 // 4
        url = f"{ORIGIN}/nl/set#s={text}"
        qr = segno.make(url, error="m", micro=False, boost_error=False)
        print(
            f"{name:>6}: {compressed} bytes deflate-raw, {len(text)} characters after #s=, "
            f"link {len(url)} characters, QR version {qr.version} level {qr.error} "
            f"({qr.symbol_size(border=0)[0]} modules)"
        )


if __name__ == "__main__":
    main()
