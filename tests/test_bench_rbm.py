"""katas.bench.rbm's flags: impossible values are refused by the parser (exit status 2, the
flag named) before MNIST is loaded or anything is timed. TF-free."""

from __future__ import annotations

import pytest

from katas.bench import rbm as bench


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--blas-threads", "0"], "--blas-threads: expected a positive integer or -1"),
        (["--blas-threads", "-2"], "--blas-threads: expected a positive integer or -1"),
        (["--rows", "0"], "--rows"),
        (["--dtypes", "float16"], "--dtypes: expected float32 and/or float64"),
    ],
)
def test_impossible_flags_are_refused_by_name(argv, match, capsys) -> None:
    """Each impossible flag ends in argparse's usage error naming it, never a traceback."""
    with pytest.raises(SystemExit) as info:
        bench.main(argv)
    assert info.value.code == 2
    assert match in capsys.readouterr().err
