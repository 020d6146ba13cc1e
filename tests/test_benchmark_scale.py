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
    assert row["batch_max_bytes"] >= row["batch_bytes"] and row["batch_max_objects"] >= row["batch_objects"]
    assert row["start_s"] > 0 and row["verify_peak_rss_mb"] > 0
    before = [line for line in proc.stderr.splitlines() if "documents before verify: " in line]
    assert len(before) == 1, "the figures measured before verify are in the log first"
    early = json.loads(before[0].split("documents before verify: ", 1)[1])
    assert early["show_url_ms"] == row["show_url_ms"] and early["batch_bytes"] == row["batch_bytes"]


def test_scale_benchmark_builds_with_sessions_at_once(tmp_path):
    """--jobs 2: two crawl sessions at once on one archive, each on hosts of its own; nothing is
    lost, the archive verifies clean, and the probes find the last session's articles."""
    proc = subprocess.run([sys.executable, "benchmarks/scale.py", "--sizes", "240", "--session", "120", "--jobs", "2",
                           "--json", "--no-fsync", "--dir", str(tmp_path / "b")], cwd=REPO, capture_output=True,
                          text=True, timeout=280)
    assert proc.returncode == 0, proc.stderr[-2000:]
    row = json.loads(proc.stdout.splitlines()[-1])
    assert row["docs"] == 240 and row["verify_ok"]
    assert row["show_alias_code"] == 0
    assert "by 2 session(s) at once" in proc.stderr
    assert row["session_cpu_ms_doc"] > 0 and row["session_docs_per_s"] > 0
    from archive.archive import Archive
    sites = {e["site"] for e in Archive.open(str(tmp_path / "b" / "archive")).catalog().entries()}
    assert len(sites) == 8, f"two lanes of four hosts each: {sites}"
