"""The engine's own sentences in English and Japanese (kata texts live in each kata folder)."""

from __future__ import annotations

import locale
import os

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "passed": "✔ {title}: all {n} tests pass.",
        "next": "Next: `katas next` (or `katas goto {next}`).",
        "all_done": "That was the last kata. Well done!",
        "failed": "✘ {title}: {passed} of {n} tests pass.",
        "first_failure": "The first test that fails: {doc}",
        "read_hint": "Stuck? `katas hint {id}` shows hint {level}.",
        "more_failures": "{n} more failing test(s); `katas check {id} -v` shows everything.",
        "syntax_error": "Python cannot read {path}: {message} on line {line}:\n    {text}\n"
        "Fix the syntax and save; nothing was run.",
        "import_error": "{path} raised an exception while it was being imported"
        "{where}:\n    {message}\nCode at the top level of the file runs on import; "
        "keep it inside the functions.",
        "missing_functions": "{path} does not define {names}. Keep the names and signatures "
        "of the stub (`katas reset {id}` restores it, with a backup of your file).",
        "missing_file": "There is no file at {path}. Run `katas start` to create your workspace.",
        "timeout": "Your code did not finish within {seconds:.0f} s, so it was stopped. The usual "
        "cause is an infinite loop (a `while` whose condition never becomes false).",
        "crash": "The test process stopped unexpectedly:\n{message}",
        "hint_header": "Hint {level} of {total} for {title}:",
        "hint_last": "That was the last hint. `katas solution {id} --force` shows the reference.",
        "no_workspace": "No workspace at {path}. Run `katas start` first.",
        "started": "Your workspace is {path}. Each kata is one file there; edit it and run "
        "`katas check`.",
        "kept": "kept your existing {name}",
        "created": "created {name}",
        "reset_confirm": "Replace {path} with the stub? A backup is kept. [y/N] ",
        "reset_done": "Restored the stub; your previous file is backed up at {backup}.",
        "reset_cancelled": "Nothing changed.",
        "solution_locked": "Solve {id} first (`katas check {id}`), or use --force to look now.",
        "progress": "Progress: {solved} of {total} katas solved.",
        "current": "Current kata: {number}. {title}  ({path})",
        "watching": "Watching {path} (Ctrl-C to stop). Save a kata file to check it.",
        "state_solved": "solved",
        "state_started": "started",
        "state_new": "new",
    },
    "ja": {
        "passed": "✔ {title}: {n} 個のテストすべてに合格しました。",
        "next": "次へ: `katas next` (または `katas goto {next}`)。",
        "all_done": "これが最後のカタでした。おつかれさまでした!",
        "failed": "✘ {title}: {n} 個中 {passed} 個のテストに合格。",
        "first_failure": "最初に失敗したテスト: {doc}",
        "read_hint": "行き詰まったら `katas hint {id}` でヒント {level} を表示できます。",
        "more_failures": "ほかに {n} 個のテストが失敗しています。`katas check {id} -v` ですべて表示します。",
        "syntax_error": "{path} を Python が読めません: {line} 行目で {message}:\n    {text}\n"
        "構文を直して保存してください。何も実行していません。",
        "import_error": "{path} を import する途中で例外が発生しました{where}:\n    {message}\n"
        "ファイルのトップレベルのコードは import 時に実行されます。関数の中に置いてください。",
        "missing_functions": "{path} に {names} が定義されていません。スタブの名前と引数を"
        "変えないでください (`katas reset {id}` でスタブに戻せます。元のファイルはバックアップされます)。",
        "missing_file": "{path} がありません。`katas start` でワークスペースを作ってください。",
        "timeout": "{seconds:.0f} 秒以内に終わらなかったため停止しました。よくある原因は無限ループ "
        "(条件が偽にならない `while`) です。",
        "crash": "テストのプロセスが予期せず終了しました:\n{message}",
        "hint_header": "{title} のヒント {level} / {total}:",
        "hint_last": "これが最後のヒントです。`katas solution {id} --force` で参照実装を表示します。",
        "no_workspace": "{path} にワークスペースがありません。先に `katas start` を実行してください。",
        "started": "ワークスペースは {path} です。カタごとに 1 ファイルあります。編集して "
        "`katas check` を実行してください。",
        "kept": "既存の {name} はそのまま残しました",
        "created": "{name} を作成しました",
        "reset_confirm": "{path} をスタブに戻しますか? バックアップを残します。[y/N] ",
        "reset_done": "スタブに戻しました。以前のファイルは {backup} にあります。",
        "reset_cancelled": "何も変更していません。",
        "solution_locked": "先に {id} を解いてください (`katas check {id}`)。今すぐ見るには --force。",
        "progress": "進捗: {total} 個中 {solved} 個のカタを解きました。",
        "current": "現在のカタ: {number}. {title}  ({path})",
        "watching": "{path} を監視中 (Ctrl-C で終了)。カタのファイルを保存するとチェックします。",
        "state_solved": "解決済み",
        "state_started": "着手",
        "state_new": "未着手",
    },
}


def pick_lang(requested: str | None = None) -> str:
    """``--lang`` if given, else Japanese when the locale or $LANG says so, else English."""
    if requested:
        return requested if requested in MESSAGES else "en"
    env = os.environ.get("DNN_KATAS_LANG") or os.environ.get("LANG", "")
    if not env:
        env = (locale.getlocale()[0] or "") if hasattr(locale, "getlocale") else ""
    return "ja" if env.lower().startswith("ja") else "en"


def t(lang: str, key: str, **kwargs: object) -> str:
    """The message ``key`` in ``lang`` (English if missing), formatted with ``kwargs``."""
    table = MESSAGES.get(lang, MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**kwargs)
