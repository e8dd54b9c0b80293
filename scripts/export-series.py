#!/usr/bin/env python3
"""Writes the yearly sunspot numbers shipped with statsmodels (Debian: python3-statsmodels) to
examples/data/sunspots.csv, with their source note in examples/data/sunspots.md.

Usage: /usr/bin/python3 scripts/export-series.py
"""
from pathlib import Path

from statsmodels.datasets import sunspots

out = Path(__file__).resolve().parent.parent / "examples" / "data"
out.mkdir(parents=True, exist_ok=True)
frame = sunspots.load_pandas().data
lines = ["year,sunspots"] + [f"{int(y)},{v:g}" for y, v in zip(frame.YEAR, frame.SUNACTIVITY)]
(out / "sunspots.csv").write_text("\n".join(lines) + "\n")
note = f"""# sunspots.csv

Yearly mean sunspot numbers, {int(frame.YEAR.iloc[0])} to {int(frame.YEAR.iloc[-1])} ({len(frame)} years),
as shipped with statsmodels {__import__('statsmodels').__version__} (`statsmodels.datasets.sunspots`),
written by `scripts/export-series.py`.

- Source: {sunspots.SOURCE.strip()}
- Copyright: {sunspots.COPYRIGHT.strip()}
"""
(out / "sunspots.md").write_text(note)
print(f"wrote {len(frame)} rows to {out / 'sunspots.csv'}")
