"""The CLI starts without NumPy, scratch, matplotlib or TensorFlow (issue 12: every command,
`katas check` included, pays for what the parser imports)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numpy", "scratch", "tf_ref", "matplotlib", "tensorflow", "keras")

# Builds the parser, parses two commands, runs `katas status` outside a workspace (a
# UserError, exit 2) and prints which heavy packages got imported.
SCRIPT = """
import json, sys, tempfile
import katas.cli
parser = katas.cli.build_parser()
parser.parse_args(["check", "dense", "--impl", "reference"])
parser.parse_args(["data", "info"])
status = katas.cli.main(["--workspace", tempfile.mkdtemp() + "/none", "status"])
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
print(json.dumps({"status": status, "heavy": heavy}))
"""


def test_parser_and_status_import_nothing_heavy(tmp_path) -> None:
    """Building the parser and `katas status` import none of NumPy, scratch, TF, matplotlib."""
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"status": 2, "heavy": []}, out.stderr


def test_exercise_parsers_are_made_on_first_use(capsys) -> None:
    """`katas exercise` lists every exercise in its help and parses their flags (made lazily)."""
    import pytest

    from katas.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["exercise", "9", "--lang", "ja"])
    assert args.number == "9" and args.lang == "ja"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["exercise", "--help"])
    listing = capsys.readouterr().out
    assert all(f" {n} " in listing for n in ("8", "9", "10", "pretrain")), listing


def test_data_package_names_load_on_first_use() -> None:
    """`katas.data`'s names resolve lazily; `data.fetch` stays the function, never the module."""
    script = (
        "import importlib, sys\n"
        "from katas import data\n"
        "assert 'numpy' not in sys.modules\n"
        "module = importlib.import_module('katas.data.fetch')\n"
        "assert callable(data.fetch) and data.fetch is module.fetch\n"
        "from katas.data import fetch, sources\n"
        "assert fetch is module.fetch and sources.N_PIXELS == data.N_PIXELS == 784\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
