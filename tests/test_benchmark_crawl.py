"""benchmarks/crawl.py (the README's throughput command) runs end to end on a small site and prints
the figures it promises: three runs side by side, the product archiving every article, the ratios
and the limit the per-page costs set on this machine's cores."""
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\((a|b|c)\) .+?\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s*$")


def test_crawl_benchmark_small():
    proc = subprocess.run([sys.executable, "benchmarks/crawl.py", "--pages", "30", "--server", "python"],
                          cwd=REPO, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout
    rows = {m.group(1): m.groups()[1:] for m in map(ROW.match, out.splitlines()) if m}
    assert set(rows) == {"a", "b", "c"}, out
    for run, (pages, articles, wall, pages_s, articles_s, cpu_ms, rss) in rows.items():
        assert int(articles) == 30 and int(pages) >= 30, (run, out)
        assert float(wall) > 0 and float(cpu_ms) > 0 and int(rss) > 0, (run, out)
    assert rows["a"][0] == rows["b"][0] == rows["c"][0], "the three runs fetch the same pages"
    assert "(c) archived 30 of 30 articles in 30 documents" in out
    assert re.search(r"\(c\)/\(b\) articles/s: [\d.]+", out) and re.search(r"\(c\)/\(a\) articles/s: [\d.]+", out)
    assert re.search(r"limit on \d+ cores: .+ = \d+ pages/s", out), out
