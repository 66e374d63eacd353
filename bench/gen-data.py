#!/usr/bin/env python3
"""Writes benchmark records, one per line, for `kcat -P -l FILE`.

Usage: gen-data.py KIND RECORD_BYTES COUNT OUT [SEED]
  KIND  json: JSON-like events (compressible, about what application logs and events look like)
        random: random bytes (incompressible)
Every record is exactly RECORD_BYTES long and holds no newline byte (the line delimiter).
"""
import json
import os
import random
import sys

WORDS = ("order payment refund customer account invoice shipped pending approved declined card "
         "wallet transfer merchant currency amount region europe america asia retry timeout "
         "success failure checkout basket session mobile desktop browser android ios").split()
EVENTS = ("page_view", "click", "add_to_cart", "checkout", "payment_ok", "payment_failed", "login")
COUNTRIES = ("DE", "FR", "US", "GB", "JP", "BR", "IN", "NL", "ES", "IT")


def json_record(rng, size, seq):
    doc = {
        "id": seq,
        "ts": 1700000000000 + seq * 7 + rng.randrange(5),
        "event": rng.choice(EVENTS),
        "user": "user-%06d" % rng.randrange(200000),
        "session": "%016x" % rng.getrandbits(64),
        "country": rng.choice(COUNTRIES),
        "amount": round(rng.uniform(0, 500), 2),
        "note": "",
    }
    if size < 200:
        # Small records: a shorter event, so it still fits whole.
        for k in ("session", "ts", "country"):
            del doc[k]
    head = json.dumps(doc, separators=(",", ":"))
    room = size - len(head)
    if room < 0:
        return head[:size].encode()
    # Fill the note with words so the record is text a compressor sees in real topics.
    words = []
    length = 0
    while length <= room:  # joined length is length - 1
        w = rng.choice(WORDS)
        words.append(w)
        length += len(w) + 1
    note = " ".join(words)[:room]
    return (head[:-2] + note + '"}').encode()


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    kind, size, count, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) == 6 else 42)
    if kind not in ("json", "random") or size < 1 or count < 0:
        sys.exit(__doc__)
    # newline -> space: random data must not contain the delimiter.
    no_newline = bytes.maketrans(b"\n", b" ")
    with open(out, "wb", buffering=1 << 20) as f:
        if kind == "random":
            chunk_records = max(1, (4 << 20) // size)
            left = count
            while left > 0:
                n = min(chunk_records, left)
                raw = os.urandom(n * size).translate(no_newline)
                f.write(b"".join(raw[i * size:(i + 1) * size] + b"\n" for i in range(n)))
                left -= n
        else:
            for seq in range(count):
                f.write(json_record(rng, size, seq) + b"\n")


if __name__ == "__main__":
    main()
