"""`katas bench`: its flags, its FLOP counts, the peak-RSS reading, the rotation of
contenders, the targets' verdicts, and a quick run's JSON schema on random data (TF-free; the
TensorFlow contenders in one `tf`-marked test)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from katas.bench import floor, report, suite, worker
from katas.cli import main

# The non-TF contenders: a quick run of these stays well under a minute.
NO_TF = "scratch,scratch-numpy,sklearn-float32,sklearn-float64"


# ----------------------------------------------------------------------------- flags


@pytest.mark.parametrize(
    ("argv", "en", "ja"),
    [
        (["--contenders", "scratch,pytorch"], "--contenders: expected comma-separated names",
         "名前をカンマ区切りで指定してください"),
        (["--contenders", ","], "--contenders: expected comma-separated names", "カンマ区切り"),
        (["--contenders", "keras"], "scratch must be among them", "scratch を含めてください"),
        (["--workloads", "cnn"], "--workloads: expected comma-separated names", "カンマ区切り"),
        (["--blas-threads", "0"], "--blas-threads: expected a positive integer or -1",
         "正の整数か -1"),
        (["--blas-threads", "two"], "--blas-threads: expected a positive integer or -1",
         "正の整数か -1"),
        (["--rows", "100"], "--rows 100: fewer than the largest batch timed (500)",
         "最大のバッチ (500) より少ない"),
        (["--rounds", "0"], "expected a positive integer", "正の整数を指定してください"),
        (["--warmup", "-1"], "expected an integer >= 0", "0 以上の整数"),
    ],
)  # fmt: skip
def test_bad_flags_are_refused_in_both_languages(capsys, argv, en, ja) -> None:
    """Each impossible flag: exit status 2, the flag named, in English and in Japanese."""
    for lang, says in (("en", en), ("ja", ja)):
        try:
            code = main(["bench", *argv, "--lang", lang])
        except SystemExit as done:  # argparse's own type errors
            code = done.code
        out = capsys.readouterr()
        assert code == 2, out
        assert says in out.err, out.err


def test_bench_parser_imports_nothing_heavy() -> None:
    """Parsing `katas bench` flags imports neither NumPy nor scratch (lazy CLI start-up)."""
    script = (
        "import sys, katas.cli\n"
        "katas.cli.build_parser().parse_args(['bench', '--quick', '--json'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'scratch', 'tf_ref'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stderr


# ----------------------------------------------------------------------------- floor


def test_dense_flops_count_each_product_by_hand() -> None:
    """784-100-5 over 10 rows: forward + dW for both layers, dx only for the second."""
    first, second = 2 * 10 * 784 * 100, 2 * 10 * 100 * 5
    assert floor.dense_flops((784, 100, 5), 10) == 2 * first + 3 * second
    # the exercise-8 net over 28,076 rows: 3 x forward minus the first layer's dx
    forward = 2 * 28_076 * (784 * 100 + 4 * 100 * 100 + 100 * 5)
    assert floor.dense_flops((784, *[100] * 5, 5), 28_076) == 3 * forward - first // 10 * 28_076


def test_rbm_flops_are_five_products() -> None:
    """One CD-1/PCD-1 epoch of 784 x 256 over 60,000 images: 5 products of 2 N D H each."""
    assert floor.rbm_flops(784, 256, 60_000) == 5 * 2 * 60_000 * 784 * 256


@pytest.mark.parametrize("bad", [((784,), 10), ((784, 100), 0)])
def test_dense_flops_refuses_an_empty_net(bad) -> None:
    """No layer or no rows is an error naming the function, not a count of 0."""
    with pytest.raises(ValueError, match="dense_flops"):
        floor.dense_flops(*bad)


def test_sgemm_rate_is_a_plausible_flop_rate() -> None:
    """A small SGEMM's measured rate is positive and below 10 TFLOP/s on one thread."""
    rate = floor.sgemm_rate(1, repeats=2, size=128)
    assert 1e6 < rate < 1e13


def test_rate_at_picks_the_thread_count_used() -> None:
    """A contender's floor uses the rate at its own thread count, else the nearest below."""
    sgemm = {"flops_per_s": {"1": 1e11, "2": 2e11}}
    assert report.rate_at(sgemm, 1) == 1e11
    assert report.rate_at(sgemm, 2) == 2e11
    assert report.rate_at(sgemm, 8) == 2e11
    assert report.rate_at({}, 1) is None


def test_the_floor_is_the_best_rate_of_any_process() -> None:
    """A worker that saw a faster SGEMM than the floor process raises the run's rate; a slower
    one (a busy moment) does not lower it; each contender's floor uses the best."""
    record = {
        "sgemm": {"flops_per_s": {"1": 5e10, "2": 9e10}},
        "workloads": {
            "w": {"flops": 10**11, "sgemm_flops_per_s": {"1": 1e11, "2": 4e10},
                  "contenders": {"scratch": {"samples_per_s": 10.0, "median_seconds": 2.0,
                                             "threads": 1}}},
        },
    }  # fmt: skip
    report.enrich(record)
    assert record["sgemm"]["flops_per_s"] == {"1": 1e11, "2": 9e10}
    assert record["sgemm"]["floor_process_flops_per_s"] == {"1": 5e10, "2": 9e10}
    scratch = record["workloads"]["w"]["contenders"]["scratch"]
    assert scratch["floor_seconds"] == pytest.approx(1.0) and scratch["over_floor"] == 2.0


# ----------------------------------------------------------------------------- timing plumbing


def test_rounds_rotate_the_order() -> None:
    """Round r starts with contender r mod k; every contender is in every round once."""
    names = ["a", "b", "c"]
    assert [worker.rotated(names, r) for r in range(4)] == [
        ["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"],
    ]  # fmt: skip


def test_peak_rss_reads_the_childs_own_peak() -> None:
    """A child that touches 200 MB reports a peak RSS of at least that (and its exit status)."""
    cmd = [sys.executable, "-c", "b = bytearray(200_000_000); b[::4096] = b'x' * len(b[::4096])"]
    result = suite.peak_rss(cmd)
    assert result["exit_status"] == 0
    assert result["peak_rss_bytes"] >= 200_000_000
    failed = suite.peak_rss([sys.executable, "-c", "raise SystemExit(3)"])
    assert failed["exit_status"] == 3 and "error" in failed


def test_a_failing_worker_is_recorded_not_raised() -> None:
    """A worker that cannot run its configuration gives {"error": ...} with its reason."""
    result = suite.run_worker(["{not json"])
    assert "error" in result and "exit status" in result["error"]


def test_a_workers_user_error_is_one_json_line_in_both_languages(capsys, tmp_path) -> None:
    """Data that cannot be loaded: the worker prints {"error", "error_ja"}, exit status 2."""
    from katas.bench.workloads import Configuration

    config = Configuration(
        "ex8-b20", "ex8", "mlp", 20, ("scratch",), 1, 0, data=str(tmp_path / "none.npz")
    )
    assert worker.main([json.dumps(config.to_dict())]) == 2
    line = json.loads(capsys.readouterr().out)
    assert "none.npz" in line["error"] and line["error_ja"] != line["error"]


def test_failures_name_each_failed_measurement() -> None:
    """The floor, a configuration and the RSS run are each named when they failed."""
    record = {"sgemm": {"error": "x"}, "workloads": {"a": {"error": "y"}, "b": {}},
              "rss": {"exit_status": 1}}  # fmt: skip
    assert report.failures(record) == ["sgemm", "a", "rss"]
    assert report.failures({"sgemm": {}, "workloads": {"b": {}}, "rss": {"exit_status": 0}}) == []


def _record(keras: float, floor_ratio: float, rbm: float, rss: float) -> dict:
    """A record with the figures the four targets read, as enrich() leaves them."""
    workloads = {}
    for net in ("ex8", "guidelines"):
        for b in (20, 50, 500):
            workloads[f"{net}-b{b}"] = {
                "contenders": {
                    "keras": {"speedup": keras},
                    "scratch": {"speedup": 1.0, "over_floor": floor_ratio},
                }
            }
    workloads["rbm-sklearn"] = {"contenders": {"sklearn-float32": {"speedup": rbm}}}
    return {"workloads": workloads, "rss": {"peak_rss_bytes": rss, "exit_status": 0}}


def test_targets_met_and_missed_at_their_thresholds() -> None:
    """Each target is met at its threshold and missed just past it."""
    met = report.targets(_record(3.0, 2.0, 2.0, 1.5e9))
    assert [t["status"] for t in met] == ["met"] * 4
    missed = report.targets(_record(2.99, 2.01, 1.99, 1.5e9 + 1))
    assert [t["status"] for t in missed] == ["missed"] * 4
    empty = report.targets({"workloads": {}})
    assert [t["status"] for t in empty] == ["not measured"] * 4


# ----------------------------------------------------------------------------- quick runs


def _quick_json(contenders: str, workloads: str | None = None) -> dict:
    argv = [sys.executable, "-m", "katas", "bench", "--quick", "--json", "--synthetic",
            "--rows", "500", "--contenders", contenders]  # fmt: skip
    if workloads:
        argv += ["--workloads", workloads]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _check_schema(record: dict, expected: dict[str, set[str]]) -> None:
    assert set(record["workloads"]) == set(expected)
    for config_id, names in expected.items():
        result = record["workloads"][config_id]
        assert set(result["contenders"]) == names, config_id
        assert result["rows"] == 500 and result["flops"] > 0
        assert result["environment"]["numba"] and result["environment"]["threadpools"]
        for name, run in result["contenders"].items():
            assert len(run["seconds"]) == 1 and run["median_seconds"] > 0, (config_id, name)
            assert run["samples_per_s"] == pytest.approx(500 / run["median_seconds"])
            assert run["speedup"] == pytest.approx(
                result["contenders"]["scratch"]["samples_per_s"] / run["samples_per_s"]
            )
            assert run["over_floor"] > 0 and run["threads"] >= 1
    assert set(record["sgemm"]["flops_per_s"]) >= {"1"}
    assert all(set(r["sgemm_flops_per_s"]) >= {"1"} for r in record["workloads"].values())
    assert [t["target"] for t in record["targets"]] == ["keras", "floor", "rbm", "rss"]


def test_quick_run_json_without_tensorflow() -> None:
    """`katas bench --quick --json` on random data, non-TF contenders: every workload and
    configuration, every figure, strict JSON; no TensorFlow loaded in any worker."""
    record = _quick_json(NO_TF)
    scratch = {"scratch", "scratch-numpy"}
    expected = {f"{net}-b{b}": scratch for net in ("ex8", "guidelines") for b in (20, 50, 500)}
    expected |= {"rbm-cd": scratch, "autoencoder": scratch}
    expected["rbm-sklearn"] = scratch | {"sklearn-float32", "sklearn-float64"}
    _check_schema(record, expected)
    assert all(r["environment"]["tensorflow"] is None for r in record["workloads"].values())
    assert record["rss"] == {"skipped": "needs MNIST (--synthetic)"}
    assert record["targets"][0]["status"] == "not measured"  # no Keras


@pytest.mark.tf
@pytest.mark.slow
def test_quick_run_with_the_tensorflow_contenders() -> None:
    """The Keras and tf_ref contenders run in the quick run too, with TF's threads recorded."""
    record = _quick_json("scratch,keras,tf_ref", "ex8,rbm,autoencoder")
    expected = {f"ex8-b{b}": {"scratch", "keras", "tf_ref"} for b in (20, 50, 500)}
    expected |= {"rbm-cd": {"scratch", "tf_ref"}, "rbm-sklearn": {"scratch", "tf_ref"}}
    expected["autoencoder"] = {"scratch", "keras", "tf_ref"}
    _check_schema(record, expected)
    assert record["workloads"]["ex8-b20"]["environment"]["tensorflow"]["version"]
    keras = record["targets"][0]["figures"]  # guidelines not run: only ex8's are measured
    assert all(keras[f"ex8-b{b}"] > 0 for b in (20, 50, 500))
    assert keras["guidelines-b20"] is None


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_missing_data_file_is_refused_before_anything_runs(tmp_path, capsys, lang) -> None:
    """--data that does not exist: exit 2 at once, in the learner's language, no worker."""
    from katas import cli

    missing = tmp_path / "none.npz"
    assert cli.main(["--lang", lang, "bench", "--workloads", "ex8", "--data", str(missing)]) == 2
    captured = capsys.readouterr()
    assert str(missing) in captured.err and "[1/" not in captured.err + captured.out
