"""Child process: train with the learner's pieces installed in scratch (this process only).

``python -m katas.engine.learner_run SPEC RESULT``: SPEC is a JSON file written by the parent
(:func:`run`), RESULT the JSON file this process writes: ``{"status": "ok", "result": ...,
"calls": ...}`` or ``{"status": "error", "error": {...}, "calls": ...}``. The error names the kata,
the learner's file and line when the exception passed through the learner's code (or the last
learner function that ran), never a traceback. Epochs print live (the parent leaves this
process's stdout and stderr on the terminal).

Modes: ``exercise8`` (exercise 8's own ``train_one`` on the scratch backend, the data loaded and
augmented as the parent does, so both see the same images) and ``lockstep`` (``run_lockstep``:
the scratch side with the learner's pieces, TensorFlow loaded before they are installed).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from katas import jsonout
from katas.engine import learner_code
from katas.engine.i18n import pick_lang, t
from katas.engine.runner import run_child
from katas.files import atomic_write

TIMEOUT_DEFAULT_S = 4 * 3600.0
"""``--timeout``'s default for a full run: exercise 8 part 2 on the whole data set takes tens of
minutes on two cores; a learner's slow (but correct) code may take a few times longer."""


def _load(pieces: list[dict[str, str]]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The learner's files as modules (kata id -> module), or the first that cannot load."""
    from katas.engine.child import load_impl
    from katas.engine.registry import find

    modules: dict[str, Any] = {}
    for entry in pieces:
        kata = find(entry["kata"])
        module, problem = load_impl(kata, entry["path"])
        if module is None or problem is not None:
            return modules, {
                "kind": "load",
                "kata": kata.id,
                "path": entry["path"],
                "problem_kind": (problem or {}).get("kind", "?"),
            }
        modules[kata.id] = module
    return modules, None


def _exercise8(spec: dict[str, Any], installed_box: list) -> dict[str, Any]:
    from katas.exercises import ex08
    from scratch.networks import NetworkConfig

    config = NetworkConfig(**spec["config"])
    training = ex08.Training(**{**spec["training"], "digits": tuple(spec["training"]["digits"])})
    route = learner_code.Route(config, True, training.augment_copies > 0)
    modules, problem = _load(spec["pieces"])
    if problem is not None:
        return {"status": "error", "error": problem}
    installed = learner_code.install(modules, route)
    installed_box.append(installed)
    split = ex08.load_data(training, spec["quick"], spec["data"])
    split = ex08.augment_split(split, training, spec["seed"])
    verbose = spec["verbose"]
    result = ex08.train_one("scratch", config, training, split, spec["seed"], verbose=verbose)
    return {"status": "ok", "result": result}


def _lockstep(spec: dict[str, Any], installed_box: list) -> dict[str, Any]:
    # TensorFlow and tf_ref first: their imports of scratch's plumbing keep scratch's own.
    import tf_ref.networks
    import tf_ref.training  # noqa: F401
    from katas import lockstep
    from scratch.networks import GUIDELINES

    route = learner_code.Route(GUIDELINES, early_stopping=False, augment=False)
    modules, problem = _load(spec["pieces"])
    if problem is not None:
        return {"status": "error", "error": problem}
    installed = learner_code.install(modules, route)
    installed_box.append(installed)
    result = lockstep.run_lockstep(GUIDELINES, **spec["kwargs"])
    text = lockstep.format_report(result, GUIDELINES, pick_lang(None))  # $DNN_KATAS_LANG
    return {"status": "ok", "result": result, "text": text}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from katas.engine.orphan import exit_with_parent

    exit_with_parent()  # a killed `katas exercise 8` must not leave learner code training
    spec_path, result_path = Path(argv[0]), Path(argv[1])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    installed_box: list = []
    try:
        if spec["mode"] == "exercise8":
            out = _exercise8(spec, installed_box)
        else:
            out = _lockstep(spec, installed_box)
    except BaseException as err:  # learner code ran here: every way out is explained
        if isinstance(err, KeyboardInterrupt):
            raise
        installed = installed_box[0] if installed_box else learner_code.Installed()
        out = {
            "status": "error",
            "error": {
                "kind": "exception",
                "exception": f"{type(err).__name__}: {err}"[:2000],
                "frame": learner_code.learner_frame(err, installed),
                "last": installed.last,
            },
        }
    if installed_box:
        out["calls"] = installed_box[0].calls
    atomic_write(result_path, (jsonout.dumps(out) + "\n").encode("utf-8"))
    return 0


def run(
    mode: str,
    pieces: list[learner_code.Choice],
    payload: dict[str, Any],
    *,
    timeout: float,
    lang: str,
) -> dict[str, Any]:
    """Start the child for ``mode`` with the learner's ``pieces`` (those that are theirs) and
    wait at most ``timeout`` seconds; its JSON answer, or an error record saying how it
    stopped (timeout, exit status, signal)."""
    with tempfile.TemporaryDirectory(prefix="katas-learner-") as tmp:
        spec_file, result_file = Path(tmp) / "spec.json", Path(tmp) / "result.json"
        spec = {
            "mode": mode,
            "pieces": [{"kata": c.kata, "path": c.path} for c in pieces if c.yours],
            **payload,
        }
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        child = run_child(
            "katas.engine.learner_run",
            [str(spec_file), str(result_file)],
            timeout=timeout,
            cwd=Path(tmp),
            passthrough=True,
            lang=lang,
        )
        try:
            return json.loads(result_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    if child.timed_out:
        how = {"how": "timeout", "seconds": timeout}
    elif child.returncode is not None and child.returncode < 0:
        how = {"how": "signal", "status": -child.returncode}
    else:
        how = {"how": "exit", "status": child.returncode}
    return {"status": "error", "error": {"kind": "stopped", **how}}


def failed_result(answer: dict[str, Any], lang: str) -> dict[str, Any]:
    """The report entry for a learner run that gave no result: status "failed" and the
    paragraph (``message``) saying which kata, file and line."""
    return {
        "status": "failed",
        "message": learner_code.error_paragraph(answer["error"], lang),
        "error": answer["error"],
        "calls": answer.get("calls"),
        "test_accuracy": None,
        "best_val_accuracy": None,
    }


def recheck_with(lang: str, timeout: float | None = None):
    """``recheck(kata, path) -> (passed, detail)`` for :func:`learner_code.plan`: the kata's
    tests against the learner's file, in a child (the engine's ``run_check``)."""
    from katas.engine.runner import run_check

    def recheck(kata, path):
        if not Path(path).is_file():
            return False, t(lang, "learner_no_file")
        (result,) = run_check(kata, [str(path)], timeout=timeout, lang=lang)
        if result.passed:
            return True, ""
        if result.problem is not None:
            from katas.engine.feedback import explain_problem

            # The first line of what `katas check` would say ("Python cannot read ...: '(' was
            # never closed on line 3:"), not the problem's internal code.
            said = explain_problem(kata, result.problem, lang).strip().splitlines()
            text = (said[0] if said else result.problem.get("kind", "?")).rstrip(":")
            if len(text) > 160:
                text = text[:157] + "..."
            return False, t(lang, "learner_recheck_problem", text=text)
        return False, t(
            lang, "learner_recheck_failed", passed=result.n_passed, n=result.collected or 0
        )

    return recheck


def workspace_plan(
    args: Any, route: learner_code.Route, lang: str, say: Any = None
) -> list[learner_code.Choice]:
    """The workspace's choices for ``route`` (``--workspace``, its state, a re-check of each
    solved kata on the route; ``say(text)`` announces the re-check); UserError when there is
    no workspace."""
    from katas.engine.workspace import Workspace

    ws = Workspace(getattr(args, "workspace", None), lang)
    if not ws.exists():
        from katas.errors import UserError

        raise UserError(t(lang, "no_workspace", path=ws.root))
    solved = ws.load().known_solved()
    due = [p for p in learner_code.on_path(route) if p.kata in solved]
    if due and say is not None:
        say(t(lang, "learner_rechecking", n=len(due)))
    return learner_code.plan(route, solved, ws.path_for, recheck_with(lang))


def lang_of(args: Any) -> str:
    return pick_lang(getattr(args, "lang", None))


LOCKSTEP_TIMEOUT_S = 1800.0
"""``katas compare lockstep --impl workspace``'s default ``--timeout``: TensorFlow's start and 200
steps take well under a minute; a learner's slow code gets room."""


def lockstep_cli(args: Any) -> int:
    """``katas compare lockstep --impl workspace``: the pieces table, then lockstep with the
    learner's pieces on scratch's side (in a child, with ``--timeout``), its report as usual;
    0 pass, 1 fail or a run that stopped (the paragraph says why)."""
    from katas.errors import UserError
    from scratch.networks import GUIDELINES

    lang = lang_of(args)
    if args.impl != "workspace":
        raise UserError(t(lang, "learner_lockstep_impl", value=args.impl))
    as_json = bool(args.json)

    def say(text: str) -> None:
        if not as_json:
            print(text, file=sys.stderr)

    route = learner_code.Route(GUIDELINES, early_stopping=False, augment=False)
    choices = workspace_plan(args, route, lang, say)
    say(learner_code.pieces_table(choices, lang))
    kwargs = {
        name: getattr(args, name)
        for name in ("steps", "dtype", "batch_size", "seed")
        if getattr(args, name, None) is not None
    }
    kwargs["exact_hyperparameters"] = bool(args.exact_hyperparameters)
    kwargs["data_path"] = args.data
    timeout = args.timeout if args.timeout is not None else LOCKSTEP_TIMEOUT_S
    answer = run("lockstep", choices, {"kwargs": kwargs}, timeout=timeout, lang=lang)
    pieces = [c.to_json(lang) for c in choices]
    if answer.get("status") != "ok":
        failed = failed_result(answer, lang)
        if as_json:
            print(jsonout.dumps({"status": "failed", "message": failed["message"],
                                 "pieces": pieces}))  # fmt: skip
        else:
            print(f"katas: {failed['message']}", file=sys.stderr)
        return 1
    result = answer["result"]
    if as_json:
        from katas import lockstep

        out = {k: result[k] for k in lockstep.JSON_KEYS}
        print(jsonout.dumps({**out, "pieces": pieces, "calls": answer.get("calls", {})}))
    else:
        print(answer["text"])
    return 1 if result["passed"] is False else 0


if __name__ == "__main__":
    raise SystemExit(main())
