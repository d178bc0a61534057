"""Benchmark commands: each prints figures measured in one run (ratios between contenders
alternated in that run). ``katas bench`` (``cli``, ``suite``, ``worker``, ``workloads``,
``contenders``, ``floor``, ``report``) also says whether the performance targets were met in that
run; no test asserts a timing: the machines are shared and noisy."""
