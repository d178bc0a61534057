"""The kata engine: find katas, keep the learner's workspace, run a kata's tests in a subprocess
and turn the outcome into feedback a teacher would give.

A kata is a folder ``katas/content/NN_name/`` holding ``kata.toml`` (id, title, the functions to
write and the ``scratch`` functions that are their reference), ``statement.<lang>.md``,
``hints.<lang>.md`` (levels separated by ``## Hint N`` headings), ``stub.py`` (what the learner
starts from), ``test_kata.py`` (tests that take the implementation as the ``impl`` fixture) and
``mutants/*.py`` (the bug zoo: classic mistakes the tests must reject).
"""
