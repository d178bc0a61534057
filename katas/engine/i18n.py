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
        "read_hint": "Stuck? `katas hint {id} --level {level}` shows the hint meant for this test.",
        "more_failures": "{n} more failing test(s); `katas check {id} -v` shows everything.",
        "syntax_error": "Python cannot read {path}: {message}{where}:\n    {text}\n"
        "Fix the syntax and save; nothing was run.",
        "import_error": "{path} raised an exception while it was being imported"
        "{where}:\n    {message}\nCode at the top level of the file runs on import; "
        "keep it inside the functions.",
        "missing_functions": "{path} does not define {names}. Keep the names and signatures "
        "of the stub (`katas reset {id}` restores it, with a backup of your file).",
        "missing_file": "There is no file at {path}. Run `katas start` to create your workspace "
        "(it puts back missing kata files and never overwrites one).",
        "not_a_file": "{path} is a folder, not a Python file: each kata is one .py file. Move or "
        "rename the folder, then `katas start` puts the stub back.",
        "unreadable": "Cannot read {path}: {message}. Check the file's permissions.",
        "binary_file": "{path} is not Python source: it holds binary data ({size} bytes). Each "
        "kata is a plain-text .py file.",
        "not_text": "{path} is not readable as Python text: {message}. Save it as UTF-8.",
        "wrong_signature": "In {path}, `{yours}` cannot be called the way the tests call it: "
        "`{expected}`. Keep the stub's parameters (`katas reset {id}` restores the stub, with a "
        "backup of your file).",
        "timeout": "Your code did not finish within {seconds:g} s{where}, so it was stopped.",
        "timeout_loop": "The usual cause is an infinite loop (a `while` whose condition never "
        "becomes false); if your code is only slow, give it longer with --timeout.",
        "timeout_chatty": "It had printed {size} by then. Printing that much is slow by itself: "
        "remove the prints (or give it longer with --timeout) before you look for a loop that "
        "never ends.",
        "exited": "The process running your code exited with status {status}{where}, before "
        "it finished. Learner code must not call os._exit(), sys.exit() or exit(): a kata "
        "function returns its result.",
        "killed": "The process running your code was killed by {signal}{where}, before it "
        "finished.",
        "killed_SIGKILL": "The usual cause is memory: the system stops a process that takes too "
        "much (does your code build a huge array?).",
        "killed_SIGSEGV": "That is a crash inside compiled code (NumPy or another C extension), "
        "often from an array of the wrong shape or type passed to it.",
        "killed_other": "Learner code must not send signals to its own process.",
        "where_import": " while your file was being imported",
        "where_collect": " while the tests were being collected",
        "where_test": " during the test “{test}” (test {started} of {collected})",
        "where_tf": " while TensorFlow was loading",
        "where_case": " during the comparison “{test}”",
        "output_all": "It printed:",
        "output_some": "It printed {size}; about {shown} of it is shown:",
        "not_run": "Not run: the test process had already stopped ({reason}).",
        "incomplete": "Only {ran} of {collected} tests ran: the run stopped{where} because of "
        "{reason}. A kata is solved only when all its tests run and pass, so your code must not "
        "raise KeyboardInterrupt or SystemExit, nor call sys.exit(), os._exit() or pytest.exit().",
        "no_tests": "The kata's tests ({path}) collected no test, so nothing was checked and the "
        "kata does not count as solved. That is a problem of the kata, not of your code: please "
        "report it.",
        "collection_error": "The kata's tests ({path}) could not be loaded, so nothing was "
        "checked:\n    {message}",
        "unknown_problem": "{path} could not be tested ({kind}).",
        "chatty": "Your code printed {size} while the tests ran (not shown); printing that much "
        "slows every check down.",
        "file_changed": "{path} changed while it was being checked (your own code or an editor "
        "rewrote it), so this result is not recorded. The version that was checked is kept at "
        "{backup}. Save your file and run `katas check {id}` again.",
        "file_deleted": "{path} was deleted while it was being checked (does your code remove "
        "files?), so this result is not recorded. It has been restored from the copy read just "
        "before the check.",
        "state_broken": "Your progress file {path} could not be read ({reason}). It is kept as "
        "{backup} and progress starts afresh; your kata files are untouched. `katas check --all` "
        "marks the katas your files solve again.",
        "no_workspace_file": "{path} is a file, not a workspace folder. Choose another folder "
        "with --workspace (or DNN_KATAS_WORKSPACE), or move the file away.",
        "kata_file_folder": "{name} is a folder, not your kata file: move or rename it, then run "
        "`katas start` again",
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
        "read_hint": "行き詰まったら `katas hint {id} --level {level}` でこのテストのためのヒントを表示できます。",
        "more_failures": "ほかに {n} 個のテストが失敗しています。`katas check {id} -v` ですべて表示します。",
        "syntax_error": "{path} を Python が読めません{where}: {message}:\n    {text}\n"
        "構文を直して保存してください。何も実行していません。",
        "import_error": "{path} を import する途中で例外が発生しました{where}:\n    {message}\n"
        "ファイルのトップレベルのコードは import 時に実行されます。関数の中に置いてください。",
        "missing_functions": "{path} に {names} が定義されていません。スタブの名前と引数を"
        "変えないでください (`katas reset {id}` でスタブに戻せます。元のファイルはバックアップされます)。",
        "missing_file": "{path} がありません。`katas start` でワークスペースを作ってください "
        "(足りないカタのファイルを作り直し、既存のファイルは上書きしません)。",
        "not_a_file": "{path} はフォルダで、Python ファイルではありません。カタは 1 つの .py "
        "ファイルです。フォルダを移動するか名前を変えてから `katas start` でスタブを戻してください。",
        "unreadable": "{path} を読めません: {message}。ファイルのアクセス権を確認してください。",
        "binary_file": "{path} は Python のソースではありません (バイナリデータ、{size} バイト)。"
        "カタはテキストの .py ファイルです。",
        "not_text": "{path} を Python のテキストとして読めません: {message}。UTF-8 で保存してください。",
        "wrong_signature": "{path} の `{yours}` は、テストの呼び方 `{expected}` では呼べません。"
        "スタブの引数を変えないでください (`katas reset {id}` でスタブに戻せます。元のファイルは"
        "バックアップされます)。",
        "timeout": "{seconds:g} 秒以内に終わらなかったため{where}停止しました。",
        "timeout_loop": "よくある原因は無限ループ (条件が偽にならない `while`) です。単に遅いだけなら "
        "--timeout で時間を延ばしてください。",
        "timeout_chatty": "それまでに {size} を出力していました。これほどの出力はそれだけで遅くなります。"
        "終わらないループを探す前に print を消してください (または --timeout で延ばしてください)。",
        "exited": "終わる前に{where}あなたのコードを実行するプロセスが終了コード {status} で"
        "終了しました。os._exit()、sys.exit()、exit() を呼ばないでください。カタの関数は結果を"
        "返すものです。",
        "killed": "終わる前に{where}あなたのコードを実行するプロセスが {signal} で強制終了されました。",
        "killed_SIGKILL": "よくある原因はメモリです。メモリを使いすぎたプロセスはシステムに止められます "
        "(巨大な配列を作っていませんか?)。",
        "killed_SIGSEGV": "コンパイル済みのコード (NumPy などの C 拡張) の中でのクラッシュです。"
        "形や型の違う配列を渡したことが原因であることが多いです。",
        "killed_other": "自分のプロセスにシグナルを送らないでください。",
        "where_import": "ファイルを import している途中で",
        "where_collect": "テストを集めている途中で",
        "where_test": "テスト「{test}」(テスト {collected} 個中 {started} 個目) の途中で",
        "where_tf": "TensorFlow を読み込んでいる途中で",
        "where_case": "比較「{test}」の途中で",
        "output_all": "出力:",
        "output_some": "{size} の出力がありました。そのうち約 {shown} を表示します:",
        "not_run": "実行していません: テストのプロセスはすでに止まっていました ({reason})。",
        "incomplete": "{collected} 個中 {ran} 個のテストしか実行されませんでした。{where}{reason} "
        "によって止まりました。カタはすべてのテストが実行されて合格したときだけ解決になります。"
        "KeyboardInterrupt や SystemExit を送出したり、sys.exit()、os._exit()、pytest.exit() を"
        "呼んだりしないでください。",
        "no_tests": "カタのテスト ({path}) にテストが 1 つもないため、何も確認していません。"
        "解決にはなりません。これはあなたのコードではなくカタの問題です。報告してください。",
        "collection_error": "カタのテスト ({path}) を読み込めなかったため、何も確認していません:\n"
        "    {message}",
        "unknown_problem": "{path} をテストできませんでした ({kind})。",
        "chatty": "テスト中にあなたのコードは {size} を出力しました (表示していません)。"
        "これほどの出力はすべてのチェックを遅くします。",
        "file_changed": "チェックの途中で {path} が変更されました (あなたのコードかエディタが書き換え"
        "ました)。この結果は記録しません。チェックしたときの内容は {backup} に残しました。"
        "保存してからもう一度 `katas check {id}` を実行してください。",
        "file_deleted": "チェックの途中で {path} が削除されました (あなたのコードがファイルを消して"
        "いませんか?)。この結果は記録しません。チェック直前に読んだ内容から復元しました。",
        "state_broken": "進捗ファイル {path} を読めませんでした ({reason})。{backup} として残し、"
        "進捗は最初からになります。カタのファイルはそのままです。`katas check --all` で、"
        "解けているカタをもう一度記録できます。",
        "no_workspace_file": "{path} はファイルで、ワークスペースのフォルダではありません。"
        "--workspace (または DNN_KATAS_WORKSPACE) で別のフォルダを指定するか、ファイルを移動してください。",
        "kata_file_folder": "{name} はフォルダで、カタのファイルではありません。移動するか名前を"
        "変えてから、もう一度 `katas start` を実行してください",
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


LANG_ENV = "DNN_KATAS_LANG"


def _lang_of(value: str) -> str | None:
    """ "ja", "ja_JP.UTF-8", "EN-us" -> the language; None when it names none of ours."""
    code = value.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    return code if code in MESSAGES else None


def pick_lang(requested: str | None = None) -> str:
    """``--lang`` if given, else $DNN_KATAS_LANG, else Japanese when the locale or $LANG says so,
    else English.

    A $DNN_KATAS_LANG that names no language of ours is refused (a UserError naming it): it was
    set on purpose, so ignoring it would be a silent wrong answer. The system locale may be
    anything ("C.UTF-8") and falls back to English.
    """
    if requested:
        return requested if requested in MESSAGES else "en"
    chosen = os.environ.get(LANG_ENV, "")
    if chosen.strip():
        lang = _lang_of(chosen)
        if lang is None:
            from katas.errors import UserError

            raise UserError(
                f"{LANG_ENV}={chosen!r}: expected one of {', '.join(MESSAGES)} "
                f"(or a locale such as ja_JP.UTF-8); unset it to follow the system locale"
            )
        return lang
    env = os.environ.get("LANG", "")
    if not env:
        env = (locale.getlocale()[0] or "") if hasattr(locale, "getlocale") else ""
    return "ja" if env.lower().startswith("ja") else "en"


def t(lang: str, key: str, **kwargs: object) -> str:
    """The message ``key`` in ``lang`` (English if missing), formatted with ``kwargs``."""
    table = MESSAGES.get(lang, MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**kwargs)
