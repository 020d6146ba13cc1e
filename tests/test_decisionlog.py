"""The decision log streams to a file: the report keeps the first decisions, the count and the
key of the whole log, which holds every one."""
import gzip
import json

from archive.decisionlog import DecisionLog


def test_log_streams_and_keeps_only_the_head(tmp_path):
    log = DecisionLog(tmp_path / "d.jsonl", inline=3)
    for n in range(50):
        log.append({"action": "new", "n": n, "evidence": {"distance": n % 7}})
    assert len(log) == 50 and [d["n"] for d in log.head] == [0, 1, 2]
    assert [d["n"] for d in log] == list(range(50))
    lines = gzip.decompress(log.gzipped()).decode().splitlines()
    assert [json.loads(x)["n"] for x in lines] == list(range(50))
    log.close()
    assert not (tmp_path / "d.jsonl").exists()
