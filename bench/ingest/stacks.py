"""Summarize py-spy raw stacks (`--profile`): share per thread and the heaviest frames.

`python -m bench.ingest.stacks FILE [N]` prints the share of samples per thread, then the N
frames with the most samples inclusive of what they call.
"""

from __future__ import annotations

import sys
from collections import Counter


def main(path: str, top: int = 40) -> None:
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            stack, _, count = line.rstrip().rpartition(" ")
            samples = int(count)
            total += samples
            frames = stack.split(";")
            threads[next((f for f in frames if f.startswith("thread (")), "?")] += samples
            for frame in set(frames):
                inclusive[frame] += samples
    print(f"{total} samples")
    for name, samples in threads.most_common():
        print(f"{100 * samples / total:5.1f}% {name}")
    print("--- inclusive")
    for frame, samples in inclusive.most_common(top):
        print(f"{100 * samples / total:5.1f}% {frame}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
