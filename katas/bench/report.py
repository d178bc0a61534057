"""``katas bench``'s figures: ratios, floors, the performance targets, the table and the JSON.

From the raw record (``katas.bench.suite.run``), per configuration and contender:

- ``samples_per_s``: rows / the median epoch's seconds;
- ``speedup``: scratch's samples/s over the contender's (scratch's own is 1; > 1: scratch is
  faster);
- ``floor_seconds``: the workload's matrix-product FLOPs (``katas.bench.floor``) over the SGEMM
  rate at the contender's thread count, and ``over_floor``: its median epoch over that.
"""

from __future__ import annotations

from typing import Any

from katas.cli_text import pad, t

#: The performance targets (docs/PERFORMANCE.md).
KERAS_RATIO = 3.0
FLOOR_RATIO = 2.0
RBM_RATIO = 2.0
RSS_LIMIT_BYTES = 1.5e9


def rate_at(sgemm: dict[str, Any], threads: int) -> float | None:
    """The SGEMM FLOP/s measured at ``threads`` threads (else at the nearest count below it,
    else the smallest measured); None when the floor was not measured."""
    rates = {int(k): v for k, v in (sgemm.get("flops_per_s") or {}).items() if v}
    if not rates:
        return None
    below = [k for k in rates if k <= threads]
    return rates[max(below)] if below else rates[min(rates)]


def best_rates(record: dict[str, Any]) -> dict[str, float]:
    """The run's SGEMM rate per thread count: the best of the floor process's and of every
    worker's own measurement. On a shared machine any one measurement may be slowed by
    another job; the floor is the machine's limit, so the fastest one stands."""
    best: dict[str, float] = {}
    measured = [(record.get("sgemm") or {}).get("flops_per_s") or {}]
    measured += [r.get("sgemm_flops_per_s") or {} for r in record.get("workloads", {}).values()]
    for rates in measured:
        for k, v in rates.items():
            if v:
                best[k] = max(best.get(k, 0.0), v)
    return best


def enrich(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with each contender's ``speedup``, ``floor_seconds`` and ``over_floor``, each
    workload's ``floor_seconds`` per measured thread count, the run's best SGEMM rates
    (``sgemm["flops_per_s"]``, the floor process's own kept as ``floor_process_flops_per_s``)
    and the ``targets``."""
    sgemm = record.setdefault("sgemm", {})
    if "error" not in sgemm:
        sgemm["floor_process_flops_per_s"] = sgemm.get("flops_per_s")
        sgemm["flops_per_s"] = best_rates(record)
    for result in record.get("workloads", {}).values():
        if "error" in result:
            continue
        flops = result["flops"]
        result["floor_seconds"] = {
            k: flops / v for k, v in (sgemm.get("flops_per_s") or {}).items() if v
        }
        runs = result["contenders"]
        scratch = runs.get("scratch")
        for run in runs.values():
            run["speedup"] = (
                scratch["samples_per_s"] / run["samples_per_s"] if scratch is not None else None
            )
            rate = rate_at(sgemm, run["threads"])
            run["floor_seconds"] = None if rate is None else flops / rate
            run["over_floor"] = (
                None if rate is None else run["median_seconds"] / run["floor_seconds"]
            )
    record["targets"] = targets(record)
    return record


def _figure(record: dict[str, Any], config_id: str, contender: str, key: str) -> float | None:
    result = record.get("workloads", {}).get(config_id, {})
    return result.get("contenders", {}).get(contender, {}).get(key)


def _verdict(values: dict[str, float | None], ok: Any) -> str:
    """ "met" when every figure is measured and passes, "missed" when one measured figure fails,
    else "not measured"."""
    measured = [v for v in values.values() if v is not None]
    if measured and not all(ok(v) for v in measured):
        return "missed"
    if measured and len(measured) == len(values):
        return "met"
    return "not measured"


def targets(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The four performance targets, each with its figures and "met" / "missed" / "not measured"."""
    from katas.bench.workloads import MLP_BATCHES, NETS

    keras = {
        f"{net}-b{b}": _figure(record, f"{net}-b{b}", "keras", "speedup")
        for net in NETS
        for b in MLP_BATCHES
    }
    floor = {f"{net}-b500": _figure(record, f"{net}-b500", "scratch", "over_floor") for net in NETS}
    rbm = {"rbm-sklearn": _figure(record, "rbm-sklearn", "sklearn-float32", "speedup")}
    rss_bytes = (record.get("rss") or {}).get("peak_rss_bytes")
    if (record.get("rss") or {}).get("exit_status") not in (0, None):
        rss_bytes = None
    rss = {"exercise 8": rss_bytes}
    return [
        {"target": "keras", "want": f"scratch >= {KERAS_RATIO:g}x Keras fit", "figures": keras,
         "status": _verdict(keras, lambda v: v >= KERAS_RATIO)},
        {"target": "floor", "want": f"batch-500 scratch epoch <= {FLOOR_RATIO:g}x SGEMM floor",
         "figures": floor, "status": _verdict(floor, lambda v: v <= FLOOR_RATIO)},
        {"target": "rbm", "want": f"RBM scratch >= {RBM_RATIO:g}x BernoulliRBM float32",
         "figures": rbm, "status": _verdict(rbm, lambda v: v >= RBM_RATIO)},
        {"target": "rss", "want": f"peak RSS <= {RSS_LIMIT_BYTES / 1e9:g} GB", "figures": rss,
         "status": _verdict(rss, lambda v: v <= RSS_LIMIT_BYTES)},
    ]  # fmt: skip


def _num(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def environment_lines(record: dict[str, Any], lang: str) -> list[str]:
    """BLAS (library, version, kernel, threads), Numba, TensorFlow's threads, cores, load."""
    env = record.get("sgemm", {}).get("environment") or {}
    tf_env = next(
        (
            r["environment"]["tensorflow"]
            for r in record.get("workloads", {}).values()
            if (r.get("environment") or {}).get("tensorflow")
        ),
        None,
    )
    blas = [p for p in env.get("threadpools", []) if p.get("user_api") == "blas"]
    blas_text = "; ".join(
        t(lang, "bench_blas_lib", api=p.get("internal_api"), version=p.get("version"),
          arch=p.get("architecture"), threads=p.get("num_threads"))
        for p in blas
    )  # fmt: skip
    tf_text = (
        "-"
        if tf_env is None
        else t(lang, "bench_tf", version=tf_env["version"], intra=tf_env["intra_op_threads"],
               inter=tf_env["inter_op_threads"])
    )  # fmt: skip
    load = env.get("load_average") or []
    return [
        t(lang, "bench_env", cpus=env.get("cpus"), load=" ".join(f"{v:.2f}" for v in load),
          numba=env.get("numba"), kernels=env.get("kernels_default")),
        t(lang, "bench_blas", blas=blas_text or "-", tf=tf_text),
    ]  # fmt: skip


def table(record: dict[str, Any], lang: str = "en") -> str:
    """The human-readable report: environment, SGEMM rates, one row per contender and
    configuration (samples/s, median epoch, threads, scratch's speed-up, over floor), then the
    targets, each met or missed with its figures."""
    lines = environment_lines(record, lang)
    sgemm = record.get("sgemm", {})
    if "error" in sgemm:
        lines.append(t(lang, "bench_failed", what="SGEMM", error=sgemm["error"]))
    else:
        rates = ", ".join(
            t(lang, "bench_rate", threads=k, gflops=v / 1e9)
            for k, v in sgemm.get("flops_per_s", {}).items()
        )
        lines.append(t(lang, "bench_sgemm", size=sgemm.get("size"), rates=rates))
    lines.append("")
    cols = [
        (t(lang, "bench_col_config"), 16, False),
        (t(lang, "bench_col_contender"), 16, False),
        (t(lang, "bench_col_rows"), 7, True),
        (t(lang, "bench_col_sps"), 11, True),
        (t(lang, "bench_col_epoch"), 10, True),
        (t(lang, "bench_col_threads"), 8, True),
        (t(lang, "bench_col_speedup"), 11, True),
        (t(lang, "bench_col_floor"), 11, True),
    ]
    lines.append(" ".join(pad(name, w, right) for name, w, right in cols))
    for config_id, result in record.get("workloads", {}).items():
        if "error" in result:
            error = result.get("error_ja") if lang == "ja" else None
            lines.append(t(lang, "bench_failed", what=config_id, error=error or result["error"]))
            continue
        for name, run in result["contenders"].items():
            cells = [
                config_id, name, str(result["rows"]), _num(run["samples_per_s"], ",.0f"),
                _num(run["median_seconds"], ".3f"), str(run["threads"]),
                _num(run.get("speedup"), ".2f") + "x", _num(run.get("over_floor"), ".2f") + "x",
            ]  # fmt: skip
            lines.append(" ".join(pad(c, w, r) for c, (_, w, r) in zip(cells, cols, strict=True)))
    rss = record.get("rss")
    if rss:
        lines.append("")
        if "skipped" in rss:
            lines.append(t(lang, "bench_rss_skipped", why=rss["skipped"]))
        elif rss.get("exit_status") != 0:
            lines.append(t(lang, "bench_failed", what="RSS", error=rss.get("error", "")))
        else:
            lines.append(
                t(lang, "bench_rss", mb=rss["peak_rss_bytes"] / 1e6, seconds=rss["seconds"],
                  command="python " + " ".join(rss["command"][1:]))
            )  # fmt: skip
    lines.append("")
    lines.append(t(lang, "bench_targets"))
    for target in record.get("targets", []):
        figures = ", ".join(
            f"{k} {_target_value(target['target'], v)}" for k, v in target["figures"].items()
        )
        lines.append(
            t(lang, "bench_target",
              status=pad(t(lang, f"bench_{target['status'].replace(' ', '_')}"), 12),
              want=t(lang, f"bench_want_{target['target']}"), figures=figures)
        )  # fmt: skip
    return "\n".join(lines)


def failures(record: dict[str, Any]) -> list[str]:
    """The measurements that failed: "sgemm", configuration ids, "rss"."""
    failed = ["sgemm"] if "error" in record.get("sgemm", {}) else []
    failed += [k for k, v in record.get("workloads", {}).items() if "error" in v]
    if (record.get("rss") or {}).get("exit_status") not in (0, None):
        failed.append("rss")
    return failed


def _target_value(target: str, value: float | None) -> str:
    if value is None:
        return "-"
    if target == "rss":
        return f"{value / 1e6:,.0f} MB"
    return f"{value:.2f}x"
