"""simhash64 is computed vectorised; it must give exactly the simhash library's value, or the
near-duplicate indexes of existing archives would stop matching."""
import random

from simhash import Simhash

from archive.fingerprint import _blake64, shingles, simhash64


def test_simhash64_equals_the_simhash_library():
    rng = random.Random(3)
    words = "the a minister border talks energy river city vote court port 2026 é ü 北京".split()
    texts = ["", "one", "two words", "three words here"]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(3, 900))) for _ in range(200)]
    for text in texts:
        feats = shingles(text)
        expected = Simhash(feats, f=64, hashfunc=_blake64).value if feats else 0
        assert simhash64(text) == expected, text[:80]
