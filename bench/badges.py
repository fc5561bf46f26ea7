"""Benchmark badge rendering: ``python bench/badges.py --count 300 [--layout a4-8up]``.

Renders N synthetic badges (Danish names and organisations, some very long, unique signed-token
style QR payloads) and prints, as its last line, one JSON object:
{"badges": N, "pages": P, "seconds": S, "ms_per_badge": M, "peak_rss_mb": R}
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader

from confapp.pdf.badges import BadgeData, Layout, render_badges
from confapp.pdf.fonts import fit_text, fonts

FIRST = [
    "Mette", "Søren", "Anne-Marie", "Jens", "Kirsten", "Mads", "Lærke", "Bjørn", "Åse", "Niels",
    "Signe", "Frederik", "Ida", "Rasmus", "Birgitte", "Ole", "Æbelø", "José", "Ayşe", "Mohammed",
    "Karen Margrethe", "Hans Christian", "Marie-Louise Vibeke",
]  # fmt: skip
LAST = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Østergård", "Sørensen", "Kjærgaard", "Møller",
    "Lauridsen", "Ægidius", "Núñez", "Yılmaz", "Christiansen-Kristensen", "Bøgh Andersen",
    "Østergård-Hansen",
]  # fmt: skip
ORGS = [
    ("Jobcenter København", "jobcentre", "Jobcenter"),
    ("Jobcenter Høje-Taastrup", "jobcentre", "Jobcenter"),
    ("Frederiksberg Kommune, Beskæftigelsesudvalget", "municipality_politician", "Politiker"),
    ("RAR Hovedstaden", "lbr_rar", "RAR/LBR"),
    ("3F Københavns Omegn", "union", "Fagforening"),
    ("Dansk Industri", "employer_org", "Arbejdsgiverorg."),
    ("HK Danmark A-kasse", "a_kasse", "A-kasse"),
    ("Københavns Professionshøjskole", "education", "Uddannelse"),
    ("Styrelsen for Arbejdsmarked og Rekruttering", "agency", "Styrelse"),
    ("Novo Nordisk A/S", "company", "Virksomhed"),
    ("Danmarks Radio", "press", "Presse"),
    ("Foreningen af Selvstændige Konsulenter", "other", "Andet"),
]
LONG_ORG = (
    "Sammenslutningen af Regionale Arbejdsmarkedsråd og Lokale Beskæftigelsesråd i "
    "Hovedstadsområdet og på Bornholm (sekretariatet)"
)
_KEY = b"bench-secret"


def _payload(event_id: int, reg_id: int) -> str:
    """A signed check-in token shaped like the real one: body.signature, ~90 characters."""
    body = json.dumps({"e": event_id, "r": reg_id, "k": "checkin"}, separators=(",", ":"))
    b64 = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    sig = hmac.new(_KEY, b64.encode(), hashlib.sha256).digest()
    return f"ci1.{b64}.{base64.urlsafe_b64encode(sig).decode().rstrip('=')}"


def make_badges(count: int, seed: int = 2027) -> list[BadgeData]:
    """Deterministic synthetic badges; every 25th has a very long name or organisation."""
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        org, key, label = rnd.choice(ORGS)
        if i % 25 == 7:
            last = " ".join(rnd.sample(LAST, 6))
        if i % 25 == 13:
            org = LONG_ORG
        out.append(
            BadgeData(
                first_name=first,
                last_name=last,
                organisation=org,
                category_key=key,
                category_label=label,
                event_title="Årsmøde 2027: Fremtidens beskæftigelsesindsats i Hovedstaden",
                event_date="12. maj 2027",
                qr_payload=_payload(42, 100000 + i),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--layout", default=Layout.A4_8UP.value, choices=[x.value for x in Layout])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median is reported")
    parser.add_argument("--lang", default="da", choices=["da", "en"], help="document language")
    parser.add_argument("--out", help="also write the PDF here")
    args = parser.parse_args()

    badges = make_badges(args.count)
    fonts()  # one-time per process font registration, as in the running server
    times = []
    pdf = b""
    for _ in range(max(1, args.repeat)):
        fit_text.cache_clear()  # otherwise repeats would reuse the previous run's text fitting
        start = time.perf_counter()
        pdf = render_badges(badges, Layout(args.layout), lang=args.lang)
        times.append(time.perf_counter() - start)
    if args.out:
        Path(args.out).write_bytes(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    seconds = statistics.median(times)
    print(
        f"median of {len(times)} runs (QR generation and text fitting included, "
        "one-time font registration excluded); "
        f"runs: {', '.join(f'{t:.3f}' for t in times)} s; pdf {len(pdf) / 1024:.0f} KiB"
    )
    print(
        json.dumps(
            {
                "badges": args.count,
                "pages": pages,
                "seconds": round(seconds, 4),
                "ms_per_badge": round(seconds * 1000 / max(1, args.count), 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
