"""The machine's speed right now: seconds for 30 million Python additions.

    .venv/bin/python benchmarks/reference_loop.py

This machine's speed wanders from day to day (and within a day) by a factor of two or more;
docs/benchmarks.md prints this figure beside each side-by-side run, so rates measured on
different days can be told apart from changes in the code.
"""

import time

started = time.perf_counter()
total = 0
for i in range(30_000_000):
    total += i
print(f"loop {time.perf_counter() - started:.2f}s")
