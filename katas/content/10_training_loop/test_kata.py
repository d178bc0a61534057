"""Tests for kata 10 (minibatches and early stopping). ``impl`` is the module under test."""

import math
import numbers
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from katas.engine.testing import describe, say


def plain(x: object) -> str:
    """A value as a learner wrote it: plain numbers and lists, never np.float64(...) reprs."""
    if isinstance(x, tuple | list):
        return (
            "(" + ", ".join(plain(v) for v in x) + ")"
            if isinstance(x, tuple)
            else ("[" + ", ".join(plain(v) for v in x) + "]")
        )
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, numbers.Real):
        return f"{float(x):g}"
    if isinstance(x, np.ndarray):
        return describe(x)
    return repr(x)


def expect_error(run, call: str, name: str) -> type:
    """run() raises a ValueError or TypeError whose message names ``name`` (as a word)."""
    try:
        run()
    except (ValueError, TypeError) as err:
        assert re.search(rf"\b{name}\b", str(err)), say(
            f"{call} raised {type(err).__name__}({str(err)!r}); name the argument {name} in "
            "the message",
            f"{call} が {type(err).__name__}({str(err)!r}) を送出しました。メッセージで引数 "
            f"{name} を名指ししてください",
        )
        return type(err)
    except Exception as err:
        raise AssertionError(
            say(
                f"{call} raised {type(err).__name__}: {err}; expected a ValueError or TypeError "
                f"that names {name}",
                f"{call} が {type(err).__name__}: {err} を送出しました。{name} を名指しする "
                "ValueError か TypeError が期待値です",
            )
        ) from None
    raise AssertionError(
        say(
            f"{call} raised no error; expected a ValueError or TypeError that names {name}",
            f"{call} がエラーを送出しませんでした。{name} を名指しする ValueError か TypeError "
            "が期待値です",
        )
    )


# ---------------------------------------------------------------------------- minibatches


def epoch(impl, n, batch_size, rng=None, shuffle=True):
    batches = [np.asarray(b) for b in impl.minibatches(n, batch_size, rng, shuffle)]
    for b in batches:
        assert b.ndim == 1 and np.issubdtype(b.dtype, np.integer), say(
            f"minibatches({n}, {batch_size}) yielded {describe(b)}; expected 1-D integer "
            "index arrays",
            f"minibatches({n}, {batch_size}) が {describe(b)} を返しました。"
            "1 次元の整数インデックス配列が期待値です",
        )
    return batches


def sizes(batches):
    return [len(b) for b in batches]


@pytest.mark.mistake("last partial batch dropped")
@pytest.mark.hint(1)
def test_in_order_with_a_smaller_last_batch(impl):
    """minibatches(10, 4, shuffle=False) gives [0 1 2 3], [4 5 6 7], [8 9]: the rest is kept.
    ja: minibatches(10, 4, shuffle=False) は [0 1 2 3]、[4 5 6 7]、[8 9] です: 余りも残します。"""
    got = epoch(impl, 10, 4, shuffle=False)
    expected = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    shown = [b.tolist() for b in got]
    dropped = shown == expected[:2]
    assert shown == expected, say(
        f"minibatches(10, 4, shuffle=False) gave {shown}, expected {expected}"
        + (": the last, smaller batch [8, 9] was dropped" if dropped else ""),
        f"minibatches(10, 4, shuffle=False) が {shown} を返しました。期待値は {expected} です"
        + (": 最後の小さいバッチ [8, 9] が落ちています" if dropped else ""),
    )


@pytest.mark.mistake("nearly equal batches (array_split)")
@pytest.mark.hint(1)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_every_row_exactly_once_in_full_batches(impl, n, batch_size, seed):
    """One epoch uses each row once, in ceil(n / batch_size) batches; only the last is short.
    ja: 1 エポックで各行を 1 回ずつ、ceil(n / batch_size) 個のバッチで使います。短いのは最後だけです。"""
    got = epoch(impl, n, batch_size, np.random.default_rng(seed))
    call = f"minibatches({n}, {batch_size}, rng)"
    order = np.concatenate(got) if got else np.array([], dtype=int)
    assert sorted(order.tolist()) == list(range(n)), say(
        f"{call} used the rows {sorted(order.tolist())}; expected each of 0..{n - 1} once",
        f"{call} が行 {sorted(order.tolist())} を使いました。0..{n - 1} を 1 回ずつ使うはずです",
    )
    k = math.ceil(n / batch_size)
    expected = [batch_size] * (k - 1) + [n - batch_size * (k - 1)]
    assert sizes(got) == expected, say(
        f"{call} gave batch sizes {sizes(got)}, expected {expected}",
        f"{call} のバッチサイズが {sizes(got)} でした。期待値は {expected} です",
    )


@pytest.mark.hint(2)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_shuffled_order_is_one_permutation_from_rng(impl, n, batch_size, seed):
    """Shuffled, the epoch's order is rng.permutation(n): same seed, same batches, any backend.
    ja: シャッフル時のエポックの順序は rng.permutation(n) です: 同じシードなら同じバッチになります。"""
    got = np.concatenate(epoch(impl, n, batch_size, np.random.default_rng(seed)))
    expected = np.random.default_rng(seed).permutation(n)
    assert np.array_equal(got, expected), say(
        f"minibatches({n}, {batch_size}, default_rng({seed})) visited rows in the order "
        f"{got[:8].tolist()}...; expected default_rng({seed}).permutation({n}) = "
        f"{expected[:8].tolist()}...",
        f"minibatches({n}, {batch_size}, default_rng({seed})) が行を {got[:8].tolist()}... の"
        f"順にたどりました。期待値は default_rng({seed}).permutation({n}) = "
        f"{expected[:8].tolist()}... です",
    )


@pytest.mark.mistake("shuffles with a copy of rng")
@pytest.mark.hint(2)
def test_each_epoch_draws_a_new_order_from_the_same_rng(impl):
    """Two epochs from one rng use its first and second permutations: the order changes.
    ja: 1 つの rng からの 2 エポックはその 1 つ目と 2 つ目の置換を使います: 順序が変わります。"""
    rng, twin = np.random.default_rng(7), np.random.default_rng(7)
    first = np.concatenate(epoch(impl, 50, 16, rng))
    second = np.concatenate(epoch(impl, 50, 16, rng))
    # Two equal permutations of 50 rows by chance: probability 1 / 50!, about 3e-65.
    assert not np.array_equal(first, second), say(
        "two epochs drawn from the same rng visited the rows in the same order: the rng must "
        "advance (draw with rng.permutation, do not copy or reseed it)",
        "同じ rng からの 2 エポックが同じ順序で行をたどりました: rng は進まなければなりません "
        "(rng.permutation で引き、コピーやシードのやり直しはしないでください)",
    )
    twin.permutation(50)
    assert np.array_equal(second, twin.permutation(50)), say(
        "the second epoch is not the rng's second permutation",
        "2 エポック目が rng の 2 つ目の置換になっていません",
    )


@pytest.mark.hint(2)
def test_shuffles_without_an_rng_too(impl):
    """With rng=None, shuffle=True still shuffles (with a fresh generator).
    ja: rng=None でも shuffle=True ならシャッフルします (新しい生成器で)。"""
    got = np.concatenate(epoch(impl, 50, 16, None))
    # The identity permutation by chance: probability 1 / 50!.
    assert not np.array_equal(got, np.arange(50)), say(
        "minibatches(50, 16) without an rng returned the rows in order; shuffle=True must shuffle",
        "rng なしの minibatches(50, 16) が行を順番どおりに返しました。shuffle=True ならシャッフル"
        "してください",
    )


@pytest.mark.mistake("np.random's global state")
@pytest.mark.hint(2)
def test_leaves_numpy_global_random_state_alone(impl):
    """Randomness comes only from the rng argument, never from np.random's global state.
    ja: 乱数は引数 rng だけから得て、np.random のグローバルな状態は使いません。"""
    # Reading the legacy global state is the point of this test.
    state = np.random.get_state()  # noqa: NPY002
    epoch(impl, 30, 8, np.random.default_rng(3))
    after = np.random.get_state()  # noqa: NPY002
    same = all(np.array_equal(a, b) for a, b in zip(state[1:3], after[1:3], strict=True))
    assert same, say(
        "minibatches(30, 8, rng) changed np.random's global state: use rng.permutation",
        "minibatches(30, 8, rng) が np.random のグローバルな状態を変えました: rng.permutation "
        "を使ってください",
    )


@pytest.mark.mistake("shuffles whenever an rng is passed")
@pytest.mark.hint(1)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_shuffle_false_keeps_the_order_even_with_an_rng(impl, n, batch_size, seed):
    """shuffle=False gives 0 .. n-1 in order, also when an rng is passed (it is then unused).
    ja: shuffle=False なら rng を渡しても 0 .. n-1 の順のままです (rng は使われません)。"""
    got = epoch(impl, n, batch_size, np.random.default_rng(seed), shuffle=False)
    order = np.concatenate(got) if got else np.array([], dtype=int)
    assert order.tolist() == list(range(n)), say(
        f"minibatches({n}, {batch_size}, rng, shuffle=False) visited the rows in the order "
        f"{order[:10].tolist()}...; expected 0 .. {n - 1} in order: shuffle=False never shuffles",
        f"minibatches({n}, {batch_size}, rng, shuffle=False) が行を {order[:10].tolist()}... の"
        f"順にたどりました。0 .. {n - 1} の順が期待値です: shuffle=False なら決してシャッフル"
        "しません",
    )


@pytest.mark.mistake("rng=None with a fixed seed")
@pytest.mark.hint(2)
def test_rng_none_draws_a_fresh_order_every_epoch(impl):
    """With rng=None each epoch has its own order, even after np.random.seed (no hidden seed).
    ja: rng=None なら np.random.seed のあとでもエポックごとに別の順序です (隠れたシードなし)。"""
    # Seeding NumPy's legacy global state must not make the orders repeat: rng=None means
    # np.random.default_rng(), seeded by the operating system.
    state = np.random.get_state()  # noqa: NPY002
    try:
        orders = []
        for _ in range(2):
            np.random.seed(0)  # noqa: NPY002
            orders.append(np.concatenate(epoch(impl, 50, 16, None)))
    finally:
        np.random.set_state(state)  # noqa: NPY002
    # Two equal permutations of 50 rows from an unseeded generator: probability 1 / 50!.
    assert not np.array_equal(*orders), say(
        "two epochs of minibatches(50, 16) with rng=None visited the rows in the same order: make "
        "a fresh np.random.default_rng() without a seed (not default_rng(0), not np.random)",
        "rng=None の minibatches(50, 16) の 2 エポックが同じ順序で行をたどりました: シードなしの"
        "新しい np.random.default_rng() を作ってください (default_rng(0) や np.random ではなく)",
    )


BAD_COUNTS = [0, -1, 2.5, True, "10"]


@pytest.mark.mistake("n not checked")
@pytest.mark.hint(1)
@pytest.mark.parametrize("bad", BAD_COUNTS, ids=[repr(b) for b in BAD_COUNTS])
@pytest.mark.parametrize("argument", ["n", "batch_size"])
def test_n_and_batch_size_must_be_positive_integers(impl, argument, bad):
    """n and batch_size of 0, -1, 2.5, True or "10" raise an error naming the argument.
    ja: n や batch_size が 0、-1、2.5、True、"10" なら、その引数を名指しするエラーになります。"""
    args = {"n": 10, "batch_size": 4, argument: bad}
    call = f"minibatches(n={args['n']!r}, batch_size={args['batch_size']!r})"
    # True is an int to Python (isinstance(True, int)), but a row count of True is a mistake.
    # \b: the message must name the argument as a word ("n: ...", "n must be ...").
    raised = expect_error(
        lambda: list(impl.minibatches(args["n"], args["batch_size"], np.random.default_rng(0))),
        call,
        argument,
    )
    if isinstance(bad, int) and not isinstance(bad, bool):
        assert raised is ValueError, say(
            f"{call} raised {raised.__name__}, not ValueError",
            f"{call} が ValueError ではなく {raised.__name__} を送出しました",
        )


@pytest.mark.mistake("NumPy integers refused")
@pytest.mark.hint(1)
def test_numpy_integers_are_integers_too(impl):
    """n and batch_size may be NumPy integers (sizes computed with NumPy often are).
    ja: n と batch_size は NumPy の整数でも構いません (NumPy で計算したサイズはよくそうなります)。"""
    got = epoch(impl, np.int64(10), np.int32(4), shuffle=False)
    assert [b.tolist() for b in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], say(
        f"minibatches(np.int64(10), np.int32(4), shuffle=False) gave {[b.tolist() for b in got]}",
        f"minibatches(np.int64(10), np.int32(4), shuffle=False) が {[b.tolist() for b in got]} "
        "を返しました",
    )


# ------------------------------------------------------------------------- early stopping


def weights_of(epoch_number):
    """Stand-in for model.get_weights at a given epoch: one array holding the epoch number."""
    return lambda: [np.array([float(epoch_number)])]


def run(es, values):
    """Feed values epoch by epoch; return the list of update()'s answers."""
    return [es.update(e, v, weights_of(e)) for e, v in enumerate(values)]


@pytest.mark.hint(1)
def test_negative_patience_or_min_delta_is_rejected(impl):
    """EarlyStopping(patience=-1) and EarlyStopping(min_delta=-0.1) raise ValueError.
    ja: EarlyStopping(patience=-1) と EarlyStopping(min_delta=-0.1) は ValueError を送出します。"""
    for kwargs, name in (({"patience": -1}, "patience"), ({"min_delta": -0.1}, "min_delta")):
        call = f"EarlyStopping({name}={kwargs[name]})"
        raised = expect_error(lambda kwargs=kwargs: impl.EarlyStopping(**kwargs), call, name)
        assert raised is ValueError, say(
            f"{call} raised {raised.__name__}, not ValueError",
            f"{call} が ValueError ではなく {raised.__name__} を送出しました",
        )


@pytest.mark.hint(1)
def test_first_value_is_an_improvement(impl):
    """A fresh EarlyStopping (best = inf) takes the first value: best 5.0, best_epoch 0, wait 0.
    ja: 新しい EarlyStopping (best = inf) は最初の値を採ります: best 5.0、best_epoch 0、wait 0 です。"""
    es = impl.EarlyStopping(patience=3)
    stop = es.update(0, 5.0, weights_of(0))
    assert not stop, say(
        f"update(0, 5.0, ...) returned {plain(stop)}; expected False",
        f"update(0, 5.0, ...) が {plain(stop)} を返しました。期待値は False です",
    )
    got = (es.best, es.best_epoch, es.wait)
    assert got == (5.0, 0, 0), say(
        f"after update(0, 5.0): (best, best_epoch, wait) = {plain(got)}, expected (5, 0, 0)",
        f"update(0, 5.0) のあと (best, best_epoch, wait) = {plain(got)} です。期待値は "
        "(5, 0, 0) です",
    )
    ok = es.best_weights is not None and np.array_equal(es.best_weights[0], [0.0])
    assert ok, say(
        f"after the first update best_weights is {plain(es.best_weights)}; expected get_weights()",
        f"最初の update のあと best_weights が {plain(es.best_weights)} です。get_weights() の"
        "結果が期待値です",
    )


@pytest.mark.hint(1)
def test_a_short_run_by_hand(impl):
    """patience 2, values 3, 2, 2.5, 2.1, 2.2: stop at epoch 4; best 2 at epoch 1.
    ja: patience 2、値 3, 2, 2.5, 2.1, 2.2: エポック 4 で停止し、best はエポック 1 の 2 です。"""
    es = impl.EarlyStopping(patience=2)
    waits, answers = [], []
    for e, v in enumerate([3.0, 2.0, 2.5, 2.1, 2.2]):
        answers.append(bool(es.update(e, v, weights_of(e))))
        waits.append(es.wait)
    # Epochs 2 and 3 are tolerated (wait 1, 2 <= patience); epoch 4 makes wait 3 > 2.
    early = answers[:4] == [False, False, False, True]
    assert answers == [False, False, False, False, True], say(
        f"update() answered {answers}, expected [False, False, False, False, True]"
        + (
            ": one epoch too early; stop when wait > patience, not when it reaches it"
            if early
            else ""
        ),
        f"update() の答えが {answers} でした。期待値は [False, False, False, False, True] です"
        + (
            ": 1 エポック早すぎます。wait が patience に達したときではなく、超えたときに止めます"
            if early
            else ""
        ),
    )
    assert waits == [0, 0, 1, 2, 3], say(
        f"wait after each epoch: {plain(waits)}, expected [0, 0, 1, 2, 3]",
        f"各エポック後の wait が {plain(waits)} でした。期待値は [0, 0, 1, 2, 3] です",
    )
    assert (es.best, es.best_epoch) == (2.0, 1), say(
        f"best, best_epoch = {plain(es.best)}, {plain(es.best_epoch)}, expected 2, 1",
        f"best, best_epoch = {plain(es.best)}, {plain(es.best_epoch)} です。期待値は 2, 1 です",
    )


@pytest.mark.mistake("restores the last weights, not the best")
@pytest.mark.hint(2)
def test_keeps_the_best_weights_not_the_last(impl):
    """Values 3, 1, 2, 4, 5: best_weights are epoch 1's, not epoch 4's (the book's "winner").
    ja: 値 3, 1, 2, 4, 5: best_weights はエポック 4 ではなくエポック 1 のものです (本書の「勝者」)。"""
    es = impl.EarlyStopping(patience=10)
    run(es, [3.0, 1.0, 2.0, 4.0, 5.0])
    ok = es.best_weights is not None and np.array_equal(es.best_weights[0], [1.0])
    assert ok, say(
        f"best_weights = {plain(es.best_weights)}; expected the weights of epoch 1 (one array "
        "holding 1), the best epoch, not those of the last epoch",
        f"best_weights = {plain(es.best_weights)} です。最後のエポックではなく、最良のエポック 1 "
        "の重み (1 を入れた配列 1 つ) が期待値です",
    )


@pytest.mark.hint(2)
def test_no_copies_without_restore_best_weights(impl):
    """restore_best_weights=False: get_weights is never called and best_weights stays None.
    ja: restore_best_weights=False: get_weights は呼ばれず、best_weights は None のままです。"""

    def forbidden():
        raise AssertionError(
            say(
                "get_weights() was called although restore_best_weights=False",
                "restore_best_weights=False なのに get_weights() が呼ばれました",
            )
        )

    es = impl.EarlyStopping(patience=1, restore_best_weights=False)
    for e, v in enumerate([3.0, 2.0, 2.5]):
        es.update(e, v, forbidden)
    assert es.best_weights is None, say(
        f"best_weights = {plain(es.best_weights)}, expected None",
        f"best_weights = {plain(es.best_weights)} です。期待値は None です",
    )
    assert (es.best, es.best_epoch) == (2.0, 1), say(
        f"best, best_epoch = {plain(es.best)}, {plain(es.best_epoch)}, expected 2, 1",
        f"best, best_epoch = {plain(es.best)}, {plain(es.best_epoch)} です。期待値は 2, 1 です",
    )


@pytest.mark.mistake("patience off by one")
@pytest.mark.hint(2)
@pytest.mark.parametrize("patience", [0, 1, 2, 5])
def test_patience_epochs_without_improvement_are_tolerated(impl, patience):
    """After the best epoch, patience worse epochs return False and the next one returns True.
    ja: 最良のエポックのあと、patience 回の悪化には False を返し、その次で True を返します。"""
    es = impl.EarlyStopping(patience=patience)
    answers = [bool(a) for a in run(es, [1.0] + [2.0] * (patience + 1))]
    expected = [False] * (patience + 1) + [True]
    early = True in answers and answers.index(True) == patience
    assert answers == expected, say(
        f"patience={patience}: update() answered {answers}, expected {expected}"
        + (
            ": one epoch too early, stop when wait > patience, not when it reaches it"
            if early
            else ""
        ),
        f"patience={patience}: update() の答えが {answers} でした。期待値は {expected} です"
        + (
            ": 1 エポック早すぎます。wait が patience に達したときではなく、超えたときに止めます"
            if early
            else ""
        ),
    )


@pytest.mark.mistake("<= counts a plateau as an improvement")
@pytest.mark.hint(3)
def test_an_equal_value_is_not_an_improvement(impl):
    """Values 1.0, 1.0 (min_delta 0): the second is no improvement; best_epoch stays 0, wait 1.
    ja: 値 1.0, 1.0 (min_delta 0): 2 つ目は改善ではありません。best_epoch は 0 のまま、wait は 1 です。"""
    es = impl.EarlyStopping(patience=3)
    run(es, [1.0, 1.0])
    got = (es.best_epoch, es.wait)
    assert got == (0, 1), say(
        f"after values 1.0, 1.0: (best_epoch, wait) = {plain(got)}, expected (0, 1): an equal "
        "value is no improvement (value < best - min_delta, not <=)",
        f"値 1.0, 1.0 のあと (best_epoch, wait) = {plain(got)} です。期待値は (0, 1) です: "
        "等しい値は改善ではありません (<= ではなく value < best - min_delta)",
    )


@pytest.mark.mistake("min_delta ignored")
@pytest.mark.hint(3)
def test_an_improvement_must_beat_min_delta(impl):
    """min_delta 0.25, best 1.0: 0.75 is not an improvement (needs < 0.75); 0.5 is.
    ja: min_delta 0.25、best 1.0: 0.75 は改善ではなく (0.75 未満が必要)、0.5 は改善です。"""
    es = impl.EarlyStopping(patience=3, min_delta=0.25)
    run(es, [1.0, 0.75])
    got = (es.best, es.best_epoch, es.wait)
    assert got == (1.0, 0, 1), say(
        f"after 1.0, 0.75: (best, best_epoch, wait) = {plain(got)}, expected (1, 0, 1): "
        "an improvement must beat best - min_delta",
        f"1.0, 0.75 のあと (best, best_epoch, wait) = {plain(got)} です。期待値は (1, 0, 1) "
        "です: 改善は best - min_delta を下回らなければなりません",
    )
    es.update(2, 0.5, weights_of(2))
    got = (es.best, es.best_epoch, es.wait)
    assert got[:2] == (0.5, 2), say(
        f"after 1.0, 0.75, 0.5: (best, best_epoch) = {plain(got[:2])}, expected (0.5, 2): "
        "0.5 beats best - min_delta = 0.75, so it is an improvement",
        f"1.0, 0.75, 0.5 のあと (best, best_epoch) = {plain(got[:2])} です。期待値は "
        "(0.5, 2) です: 0.5 は best - min_delta = 0.75 を下回るので改善です",
    )


@pytest.mark.mistake("wait not reset on an improvement")
@pytest.mark.hint(3)
def test_an_improvement_resets_wait(impl):
    """wait counts the epochs since the best: an improvement sets it back to 0.
    ja: wait は最良のエポックからのエポック数です: 改善すると 0 に戻ります。"""
    es = impl.EarlyStopping(patience=3, min_delta=0.25)
    run(es, [1.0, 0.75, 0.5])
    got = (es.best, es.best_epoch, es.wait)
    if got[:2] != (0.5, 2):
        return  # the improvement itself was missed: test_an_improvement_must_beat_min_delta
    assert es.wait == 0, say(
        f"after 1.0, 0.75, 0.5: (best, best_epoch, wait) = {plain(got)}, expected (0.5, 2, 0): "
        "the improvement at epoch 2 must reset wait to 0 (wait counts the bad epochs since "
        "the best, not all of them)",
        f"1.0, 0.75, 0.5 のあと (best, best_epoch, wait) = {plain(got)} です。期待値は "
        "(0.5, 2, 0) です: エポック 2 の改善で wait を 0 に戻してください (wait は最良からの"
        "悪いエポック数で、全部の数ではありません)",
    )


@pytest.mark.mistake("min_delta read as a fraction")
@pytest.mark.hint(3)
def test_min_delta_is_absolute_not_relative(impl):
    """min_delta is an amount, not a fraction: min_delta 0.25 takes 10 -> 9.5 but not 0.5 -> 0.3.
    ja: min_delta は割合ではなく量です: min_delta 0.25 なら 10 -> 9.5 は改善、0.5 -> 0.3 は改善ではありません。"""
    # Absolute (Keras): an improvement is value < best - min_delta. Read as a fraction,
    # value < best * (1 - min_delta), the thresholds would be 7.5 and 0.375 instead of 9.75 and
    # 0.25, and both answers below would flip.
    for best, value, improves in ((10.0, 9.5, True), (0.5, 0.3, False)):
        es = impl.EarlyStopping(patience=3, min_delta=0.25)
        run(es, [best, value])
        expected = (value, 1, 0) if improves else (best, 0, 1)
        got = (es.best, es.best_epoch, es.wait)
        assert got == expected, say(
            f"EarlyStopping(min_delta=0.25) after values {best}, {value}: (best, best_epoch, "
            f"wait) = {plain(got)}, expected {plain(expected)}: {value} < {best} - 0.25 is "
            f"{value < best - 0.25} (min_delta is an absolute amount, not a fraction of best)",
            f"値 {best}, {value} のあとの EarlyStopping(min_delta=0.25) で (best, best_epoch, "
            f"wait) = {plain(got)} です。期待値は {plain(expected)} です: {value} < {best} - 0.25 "
            f"は {value < best - 0.25} です (min_delta は best に対する割合ではなく絶対量です)",
        )


@pytest.mark.mistake("wait never reset")
@pytest.mark.hint(3)
def test_wait_restarts_after_an_improvement(impl):
    """patience 2, values 5, 6, 6, 4, 6, 6, 6: the improvement at epoch 3 resets wait; stop at 6.
    ja: patience 2、値 5, 6, 6, 4, 6, 6, 6: エポック 3 の改善で wait がリセットされ、6 で停止します。"""
    es = impl.EarlyStopping(patience=2)
    answers = [bool(a) for a in run(es, [5.0, 6.0, 6.0, 4.0, 6.0, 6.0, 6.0])]
    assert answers == [False] * 6 + [True], say(
        f"update() answered {answers}, expected six False then True: the improvement at epoch "
        "3 resets wait to 0",
        f"update() の答えが {answers} でした。期待値は False が 6 個のあと True です: "
        "エポック 3 の改善で wait は 0 に戻ります",
    )


@pytest.mark.hint(3)
@given(
    values=st.lists(st.integers(0, 6).map(float), min_size=1, max_size=25),
    patience=st.integers(0, 4),
)
def test_stops_exactly_when_the_best_is_more_than_patience_epochs_old(impl, values, patience):
    """min_delta 0: update first says stop at epoch e where e - argmin(values[:e+1]) > patience.
    ja: min_delta 0: update が最初に停止を告げるのは e - argmin(values[:e+1]) > patience となるエポック e です。"""
    es = impl.EarlyStopping(patience=patience)
    for e, v in enumerate(values):
        # With min_delta 0 the best epoch is the first occurrence of the running minimum.
        best_epoch = int(np.argmin(values[: e + 1]))
        expected = e - best_epoch > patience
        got = es.update(e, v, weights_of(e))
        assert bool(got) == expected and es.best_epoch == best_epoch, say(
            f"patience={patience}, values {values[: e + 1]}: at epoch {e} update returned "
            f"{plain(got)} with best_epoch {plain(es.best_epoch)}; expected {expected} with "
            f"best_epoch {best_epoch}",
            f"patience={patience}、値 {values[: e + 1]}: エポック {e} で update が "
            f"{plain(got)} (best_epoch {plain(es.best_epoch)}) を返しました。期待値は {expected} "
            f"(best_epoch {best_epoch}) です",
        )
        if expected:
            break


@pytest.mark.hint(3)
@given(
    values=st.lists(st.integers(0, 16).map(lambda k: k / 2), min_size=1, max_size=25),
    patience=st.integers(0, 4),
    min_delta=st.sampled_from([0.0, 0.5, 1.0, 2.5]),
)
def test_follows_the_rule_with_any_min_delta(impl, values, patience, min_delta):
    """Random curves on a grid of 0.5 (exact ties with best - min_delta): the statement's rule.
    ja: 0.5 刻みのランダムな曲線 (best - min_delta とちょうど等しい値あり): 問題文の規則どおりです。"""
    es = impl.EarlyStopping(patience=patience, min_delta=min_delta)
    best, best_epoch, wait = math.inf, -1, 0
    for e, v in enumerate(values):
        # The statement's rule, written out; every number here is exact in binary.
        if v < best - min_delta:
            best, best_epoch, wait, expected = v, e, 0, False
        else:
            wait, expected = wait + 1, wait + 1 > patience
        got = bool(es.update(e, v, weights_of(e)))
        state = (es.best, es.best_epoch, es.wait)
        assert (got, state) == (expected, (best, best_epoch, wait)), say(
            f"patience={patience}, min_delta={min_delta}, values {values[: e + 1]}: at epoch {e} "
            f"update returned {got} with (best, best_epoch, wait) = {plain(state)}; expected "
            f"{expected} with {plain((best, best_epoch, wait))}",
            f"patience={patience}、min_delta={min_delta}、値 {values[: e + 1]}: エポック {e} で "
            f"update が {got} を返し、(best, best_epoch, wait) = {plain(state)} でした。期待値は "
            f"{expected} と {plain((best, best_epoch, wait))} です",
        )
        if expected:
            break
