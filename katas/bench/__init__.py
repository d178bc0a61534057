"""Benchmark commands: each prints figures measured in one run (ratios between contenders
alternated in that run), never a pass/fail verdict on a shared, noisy machine."""
