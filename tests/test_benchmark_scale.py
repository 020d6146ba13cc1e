"""benchmarks/scale.py runs end to end on a tiny archive and prints the figures it promises."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KEYS = {"docs", "start_s", "start_rss_mb", "batch_bytes", "batch_objects", "session_peak_rss_mb",
        "show_url_ms", "list_ms", "search_ms", "verify_peak_rss_mb"}


def test_scale_benchmark_small(tmp_path):
    proc = subprocess.run([sys.executable, "benchmarks/scale.py", "--sizes", "250", "--session", "250", "--json",
                           "--dir", str(tmp_path / "b")], cwd=REPO, capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 1 and KEYS <= set(rows[0])
    row = rows[0]
    assert row["docs"] == 250 and row["verify_ok"], "the archive built verifies clean"
    assert row["show_alias_code"] == 0, "show finds the document by a tracking-parameter URL"
    assert 0 < row["batch_objects"] <= 10 and row["batch_bytes"] > 0
    assert row["start_s"] > 0 and row["verify_peak_rss_mb"] > 0
