"""The engine's own sentences in English and Japanese (kata texts live in each kata folder)."""

from __future__ import annotations

import locale
import os

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "passed": "✔ {title}: all {n} tests pass.",
        "next": "Next: `katas next` moves on to the first kata you have not solved yet.",
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
        # learner
        "learner_table_header": "Whose code trains this network (kata, its functions, whose):",
        "learner_whose_yours": "yours",
        "learner_whose_reference": "reference",
        "learner_yours": "yours: solved, and your file passes its tests now",
        "learner_not_solved": "not solved yet",
        "learner_fails_now": "solved, but the file fails its tests now: {detail}",
        "learner_not_on_path": "not on this network's path",
        "learner_superseded": "kata {detail}'s version of the same function is used",
        "learner_none_yours": "None of the pieces is yours yet, so this run trains with the "
        "reference's code only: solve katas (`katas check`) and your functions take their place.",
        "learner_n_yours": "{n} piece(s) are yours: they run in place of scratch's.",
        "learner_no_file": "the file is missing",
        "learner_recheck_failed": "{passed} of {n} tests pass",
        "learner_recheck_problem": "it could not be tested: {text}",
        "solution_header": "{name}  (the reference: {target})",
        "learner_load_failed": "Your file {path} (kata {kata}) could not be loaded now ({problem}), "
        "so the run with your code did not start; `katas check {kata}` says why.",
        "learner_stopped_timeout": "The run with your code did not finish within {seconds:g} s, "
        "so it was stopped (give it longer with --timeout).",
        "learner_stopped_exit": "The process running your code exited with status {status} "
        "before it finished. A kata function must not call sys.exit() or os._exit().",
        "learner_stopped_signal": "The process running your code was killed by signal {status} "
        "before it finished (the usual cause is memory).",
        "learner_crash_in_yours": "Your code stopped the training: {exception}, raised in "
        "{function} at {path}, line {line} (kata {kata}):\n    {code}\nIt passed the kata's "
        "tests, so the network gave it something the tests did not (look at the shapes and "
        "dtypes it receives). The reference runs were not affected.",
        "learner_crash_after": "The training stopped with {exception}, in the reference's code, "
        "right after your {last} (kata {kata}) ran: what it returned is the likely cause (its "
        "shape, dtype or cache). The reference runs were not affected.",
        "learner_crash_reference": "The training stopped with {exception} before any of your "
        "functions ran. The reference runs were not affected.",
        "learner_within": "Your network trains like the reference: {yours} vs {ref} test accuracy, "
        "within a point ({diff:+.2f} points).",
        "learner_below": "Your network is {gap:.2f} points below the reference ({yours} vs {ref}). "
        "The pieces that are yours: {pieces}. `katas compare KATA` runs one of them against "
        "scratch and TensorFlow on random inputs; `katas compare lockstep --impl workspace` shows "
        "the first training step where they differ.",
        "learner_above": "Your network is {gap:.2f} points above the reference ({yours} vs {ref}): "
        "the same maths rounds differently, and a different rounding is a different run.",
        "learner_no_verdict": "No comparison: {why}",
        "learner_diff": "yours - {ref}: {diff:+.2f} points",
        "ex8_yours_row": "yours",
        "learner_no_result": "the run with your code gave no test accuracy",
        "learner_no_reference": "scratch's reference was not run (--backend tf)",
        "learner_impl_value": "--impl: exercise 8 takes only --impl workspace (your solved katas "
        "in place of scratch's code), got {value!r}",
        "learner_part_refused": "--impl workspace: part {part} {why}; use part 2, 4 or 5",
        "learner_part1": "only prints the network (nothing trains)",
        "learner_part3": "is a search over 50 networks; one network, trained with your pieces "
        "and with the reference's, answers whether your code trains like scratch's",
        "learner_lockstep_impl": "--impl: `katas compare lockstep` takes only --impl workspace "
        "(your solved katas on scratch's side), got {value!r}",
        "learner_lockstep_timeout": "--timeout bounds a kata's comparison or `katas compare "
        "lockstep --impl workspace`, not the plain `katas compare lockstep`",
        "learner_rechecking": "Checking your solved katas again ({n}): a piece is yours only when "
        "your file passes its tests now...",
        "learner_training": "== yours: scratch with your pieces, in a child process "
        "(timeout {seconds:g} s)",
        # exercise 8
        "ex8_run": "== {name}: {sizes}, {what}",
        "ex8_sizes": "{n_train} train / {n_valid} valid / {n_test} test",
        "ex8_lr": "lr {lr}",
        "ex8_search": "search, budget {budget:.0f} s",
        "ex8_augmented": ", +{k} shifted copies of the training set",
        "ex8_columns": "backend|test acc|val acc|epochs|best|s/epoch",
        "ex8_diverged": "   diverged at epoch {epoch}",
        "ex8_book": "book ({what}): {acc:.4f}",
        "ex8_files": "report: {report}\ncurves: {curves}",
        # watch
        "impl_bad": "--impl: expected reference, stub or the path of a .py file, got {impl}",
        "impl_missing": "--impl {impl}: there is no such file (expected reference, stub or the "
        "path of a .py file)",
        "impl_folder": "--impl {impl}: that is a folder (expected reference, stub or the path of "
        "a .py file)",
        "impl_not_py": "--impl {impl}: not a .py file (expected reference, stub or the path of a "
        ".py file)",
        "impl_unreadable": "--impl {impl}: cannot read it ({reason})",
        "cannot_restore": "cannot restore {path}: {reason}",
        "check_all_kata": "check --all checks every kata: give no kata with it, got {kata}",
        "check_all_impl": "check --all --impl takes reference or stub: one file cannot be every "
        "kata (got {impl})",
        "col_kata": "kata",
        "col_result": "result",
        "col_tests": "tests",
        "col_s": "s",
        "verdict_passed": "passed",
        "verdict_failed": "failed",
        "verdict_not_started": "not started",
        "check_all_not_started": "{n} not started (still the stub; not run, and not solved).",
        "check_all_total": "{passed} of {total} katas pass; {tests} of {total_tests} tests pass; "
        "{seconds} s in all.",
        "no_hints": "{id} has no hints",
        "hint_level_range": "hint --level: {id} has hints 1 to {total}; got {level}",
        "reset_needs_yes": "reset needs confirmation: run it in a terminal, or pass --yes",
        "all_solved": "Every kata is solved. Well done! (`katas goto ID` revisits one.)",
        "lockstep_only": "{flags}: only for `katas compare lockstep`, not for a kata",
        "no_compare_cases": "kata {id} has no comparison cases (no compare.py in its folder)",
        "os_create": "cannot create the folder {path}: {reason}",
        "os_write": "cannot write {path}: {reason}",
        "os_read": "cannot read {path}: {reason}",
        "os_read_state": "cannot read your progress file {path}: {reason}",
        "os_save_state": "cannot save your progress to {path}: {reason}",
        "os_backup": "cannot back up your file to {path}: {reason}",
        "os_is_a_file": "{path} is a file, not a folder",
        "state_no_copy": "your progress file {path} could not be read ({reason}), and no copy of "
        "it could be kept ({error}). Repair or remove it by hand.",
        "broken_utf8": "not UTF-8 text (byte {byte})",
        "broken_json": "not valid JSON: {error}",
        "broken_top": "expected a JSON object at the top, found {found}",
        "broken_current": '"current" must be a kata id or null, found {found}',
        "broken_solved": '"solved" must map kata ids to times, found {found}',
        "broken_hints": '"hints" must map kata ids to levels >= 0, found {found}',
        "checking": "Checking {title}… (keys work meanwhile: c restarts the check, q stops it "
        "and quits)",
        "last_check": "Last check: {title}",
        "watch_current": "Current kata: {title}",
        "moved_on": "Solved! On to the first unsolved kata: {title}. Its statement is above.",
        "watch_keys": "Save a kata file to check it.  Keys: h hint · n next unsolved · r reset · "
        "l list · s statement · c check now · q quit",
        "watch_no_keys": "Save a kata file to check it (no terminal here, so no keys); Ctrl-C "
        "stops.",
        "watch_bye": "Stopped watching. `katas` starts again where you are.",
        "watch_statement_more": "… {shown} of {total} lines shown (`katas show` prints it all).",
        "watch_hint_more": "… {shown} of {total} lines shown (`katas hint {id} --level {level}` "
        "prints it all).",
        "watch_list_more": "… {shown} of {total} katas shown, around the current one (`katas "
        "list` prints them all).",
        # feedback
        "failing_input": "Failing input: {args}",
        "raised_at": "in {function}, line {line} of {file}:  {code}",
        "printed_all": "Your code printed:",
        "printed_some": "Your code printed {size}; the end of it:",
        "failure_n": "Failing test {i} of {n}: {doc}  ({name})",
        "pytest_report": "  The test's code and traceback:",
        "unknown_cause": "an unknown cause",
    },
    "ja": {
        "passed": "✔ {title}: {n} 個のテストすべてに合格しました。",
        "next": "次へ: `katas next` で、まだ解いていない最初のカタに進みます。",
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
        # learner
        "learner_table_header": "このネットワークを学習させるコード (カタ、その関数、誰のコードか):",
        "learner_whose_yours": "あなたのコード",
        "learner_whose_reference": "参照実装",
        "learner_yours": "あなたのコード: 解決済みで、いまもテストに合格しています",
        "learner_not_solved": "まだ解いていません",
        "learner_fails_now": "解決済みですが、いまのファイルはテストに合格しません: {detail}",
        "learner_not_on_path": "このネットワークでは使われません",
        "learner_superseded": "同じ関数のカタ {detail} の版を使います",
        "learner_none_yours": "あなたのコードはまだどの部品にも使われていないので、この実行は参照実装のコードだけで学習します。"
        "カタを解くと (`katas check`)、あなたの関数がその場所に入ります。",
        "learner_n_yours": "{n} 個の部品があなたのコードです。scratch のコードの代わりに動きます。",
        "learner_no_file": "ファイルがありません",
        "learner_recheck_failed": "{n} 個中 {passed} 個のテストに合格",
        "learner_recheck_problem": "テストできませんでした: {text}",
        "solution_header": "{name}  (参照実装: {target})",
        "learner_load_failed": "あなたのファイル {path} (カタ {kata}) をいま読み込めなかったため ({problem})、"
        "あなたのコードでの学習は始まりませんでした。理由は `katas check {kata}` で分かります。",
        "learner_stopped_timeout": "あなたのコードでの学習が {seconds:g} 秒以内に終わらなかったので止めました"
        " (--timeout で時間を延ばせます)。",
        "learner_stopped_exit": "あなたのコードを実行していたプロセスが、終わる前に終了コード {status} で終了しました。"
        "カタの関数は sys.exit() や os._exit() を呼んではいけません。",
        "learner_stopped_signal": "あなたのコードを実行していたプロセスが、終わる前にシグナル {status} で強制終了されました"
        " (よくある原因はメモリ不足です)。",
        "learner_crash_in_yours": "あなたのコードが学習を止めました: {exception}。{path} の {line} 行目、"
        "{function} の中です (カタ {kata}):\n    {code}\nカタのテストには合格しているので、"
        "ネットワークはテストにない入力を渡しています (受け取る形状と dtype を確かめてください)。"
        "参照実装の実行には影響ありません。",
        "learner_crash_after": "学習が {exception} で止まりました。参照実装のコードの中ですが、"
        "直前にあなたの {last} (カタ {kata}) が動いています: その戻り値 (形状、dtype、キャッシュ) "
        "が原因と考えられます。参照実装の実行には影響ありません。",
        "learner_crash_reference": "あなたの関数が動く前に、学習が {exception} で止まりました。"
        "参照実装の実行には影響ありません。",
        "learner_within": "あなたのネットワークは参照実装と同じように学習します: テスト精度 {yours} 対 {ref}、"
        "差は 1 ポイント以内です ({diff:+.2f} ポイント)。",
        "learner_below": "あなたのネットワークは参照実装より {gap:.2f} ポイント低い結果です ({yours} 対 {ref})。"
        "あなたのコードの部品: {pieces}。`katas compare KATA` でその一つを scratch と TensorFlow "
        "とランダムな入力で比べられます。`katas compare lockstep --impl workspace` "
        "は学習のどのステップで最初に差が出るかを示します。",
        "learner_above": "あなたのネットワークは参照実装より {gap:.2f} ポイント高い結果です ({yours} 対 {ref})。"
        "同じ数式でも丸め方が違えば、別の学習になります。",
        "learner_no_verdict": "比較できません: {why}",
        "learner_diff": "あなたのコード - {ref}: {diff:+.2f} ポイント",
        "ex8_yours_row": "あなた",
        "learner_no_result": "あなたのコードでの実行にテスト精度がありません",
        "learner_no_reference": "scratch の参照実装を実行していません (--backend tf)",
        "learner_impl_value": "--impl: 演習 8 が受け付けるのは --impl workspace だけです"
        " (解決済みのカタを scratch のコードの代わりに使います)。指定された値: {value!r}",
        "learner_part_refused": "--impl workspace: パート {part} は{why}。パート 2、4、5 を使ってください",
        "learner_part1": "ネットワークを表示するだけです (学習しません)",
        "learner_part3": "50 個のネットワークの探索です。あなたのコードが scratch のコードと同じように"
        "学習するかは、1 つのネットワークをあなたの部品と参照実装で学習させれば分かります",
        "learner_lockstep_impl": "--impl: `katas compare lockstep` が受け付けるのは --impl workspace だけです"
        " (scratch 側に解決済みのカタを使います)。指定された値: {value!r}",
        "learner_lockstep_timeout": "--timeout はカタの比較か `katas compare lockstep --impl workspace` "
        "の時間の上限です。通常の `katas compare lockstep` には使えません",
        "learner_rechecking": "解決済みのカタ ({n} 個) をもう一度チェックしています: "
        "いまテストに合格するファイルだけをあなたの部品として使います...",
        "learner_training": "== あなたのコード: scratch にあなたの部品を入れ、子プロセスで実行"
        " (制限時間 {seconds:g} 秒)",
        # exercise 8
        "ex8_run": "== {name}: {sizes}、{what}",
        "ex8_sizes": "訓練 {n_train} 枚 / 検証 {n_valid} 枚 / テスト {n_test} 枚",
        "ex8_lr": "学習率 {lr}",
        "ex8_search": "探索、予算 {budget:.0f} 秒",
        "ex8_augmented": "、訓練データをずらしたコピー {k} 組を追加",
        "ex8_columns": "実装|テスト精度|検証精度|エポック|最良|秒/エポック",
        "ex8_diverged": "   エポック {epoch} で発散",
        "ex8_book": "書籍の値 ({what}): {acc:.4f}",
        "ex8_files": "レポート: {report}\n学習曲線: {curves}",
        # watch
        "impl_bad": "--impl: reference、stub または .py ファイルのパスを指定してください ({impl} "
        "が指定されました)",
        "impl_missing": "--impl {impl}: そのファイルはありません (reference、stub または .py "
        "ファイルのパスを指定してください)",
        "impl_folder": "--impl {impl}: それはフォルダです (reference、stub または .py ファイルの"
        "パスを指定してください)",
        "impl_not_py": "--impl {impl}: .py ファイルではありません (reference、stub または .py "
        "ファイルのパスを指定してください)",
        "impl_unreadable": "--impl {impl}: 読めません ({reason})",
        "cannot_restore": "{path} を復元できません: {reason}",
        "check_all_kata": "check --all はすべてのカタをチェックします。カタは指定しないでください "
        "({kata} が指定されました)",
        "check_all_impl": "check --all --impl には reference か stub を指定してください。1 つの"
        "ファイルがすべてのカタになることはできません ({impl} が指定されました)",
        "col_kata": "カタ",
        "col_result": "結果",
        "col_tests": "テスト",
        "col_s": "秒",
        "verdict_passed": "合格",
        "verdict_failed": "不合格",
        "verdict_not_started": "未着手",
        "check_all_not_started": "{n} 個は未着手です (スタブのままなので実行せず、未解決です)。",
        "check_all_total": "{total} 個中 {passed} 個のカタが合格、{total_tests} 個中 {tests} 個の"
        "テストが合格、合計 {seconds} 秒でした。",
        "no_hints": "{id} にはヒントがありません",
        "hint_level_range": "hint --level: {id} のヒントは 1 から {total} までです ({level} が"
        "指定されました)",
        "reset_needs_yes": "reset には確認が必要です。端末で実行するか、--yes を付けてください",
        "all_solved": "すべてのカタを解きました。おつかれさまでした! (`katas goto ID` で見直せます。)",
        "lockstep_only": "{flags} は `katas compare lockstep` 専用で、カタには使えません",
        "no_compare_cases": "カタ {id} には比較のケースがありません (フォルダに compare.py が"
        "ありません)",
        "os_create": "フォルダ {path} を作成できません: {reason}",
        "os_write": "{path} に書き込めません: {reason}",
        "os_read": "{path} を読めません: {reason}",
        "os_read_state": "進捗ファイル {path} を読めません: {reason}",
        "os_save_state": "進捗を {path} に保存できません: {reason}",
        "os_backup": "ファイルを {path} にバックアップできません: {reason}",
        "os_is_a_file": "{path} はファイルで、フォルダではありません",
        "state_no_copy": "進捗ファイル {path} を読めませんでした ({reason})。そのコピーも残せ"
        "ませんでした ({error})。手で直すか削除してください。",
        "broken_utf8": "UTF-8 のテキストではありません ({byte} バイト目)",
        "broken_json": "正しい JSON ではありません: {error}",
        "broken_top": "最上位は JSON のオブジェクトのはずですが、{found} でした",
        "broken_current": '"current" はカタの id か null のはずですが、{found} でした',
        "broken_solved": '"solved" はカタの id から時刻への対応のはずですが、{found} でした',
        "broken_hints": '"hints" はカタの id から 0 以上のレベルへの対応のはずですが、{found} '
        "でした",
        "checking": "{title} をチェック中… (その間もキーが使えます: c でチェックをやり直し、q "
        "で中止して終了)",
        "last_check": "前回のチェック: {title}",
        "watch_current": "現在のカタ: {title}",
        "moved_on": "解けました!まだ解いていない最初のカタ {title} に進みます。問題文は上にあります。",
        "watch_keys": "カタのファイルを保存するとチェックします。キー: h ヒント · n 次の未解決 · "
        "r リセット · l 一覧 · s 問題文 · c 今すぐチェック · q 終了",
        "watch_no_keys": "カタのファイルを保存するとチェックします (端末ではないのでキーは使えま"
        "せん)。Ctrl-C で終了します。",
        "watch_bye": "監視を終了しました。`katas` で続きから再開できます。",
        "watch_statement_more": "… {total} 行中 {shown} 行を表示しています (全体は `katas show` "
        "で表示できます)。",
        "watch_hint_more": "… {total} 行中 {shown} 行を表示しています (全体は `katas hint {id} "
        "--level {level}` で表示できます)。",
        "watch_list_more": "… 現在のカタの前後 {shown} 個を表示しています (全 {total} 個は "
        "`katas list` で表示できます)。",
        # feedback
        "failing_input": "失敗した入力: {args}",
        "raised_at": "{file} の {line} 行目 ({function} の中):  {code}",
        "printed_all": "あなたのコードの出力:",
        "printed_some": "あなたのコードは {size} を出力しました。最後の部分:",
        "failure_n": "失敗したテスト {n} 個中 {i} 個目: {doc}  ({name})",
        "pytest_report": "  テストのコードとトレースバック:",
        "unknown_cause": "不明な原因",
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
