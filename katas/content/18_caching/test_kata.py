"""Tests for kata 18 (caching the frozen layers). ``impl`` is the module under test.

The bottoms are tiny float64 stacks written as layer specs; ``run_bottom`` below is the tests'
own inference pass over the whole of x at once. The batch norm's moving statistics are chosen
far from any chunk's own mean and variance, so normalizing with the batch shows at once.
"""

import numpy as np
import pytest

from katas.engine.testing import expect_close, expect_shape, say
from scratch.training import minibatches

# Same float64 products and sums, possibly grouped differently: 1e-10 is plenty.
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def dense(rng, d, m, activation):
    """A dense spec with random weights and a clearly non-zero bias."""
    kernel = rng.standard_normal((d, m)) / np.sqrt(d)
    return {
        "kind": "dense",
        "kernel": kernel,
        "bias": rng.standard_normal(m),
        "activation": activation,
    }


def batch_norm(d):
    """A batch norm spec whose moving statistics are nothing like the data's."""
    return {
        "kind": "batch_norm",
        "gamma": np.linspace(0.5, 2.0, d),
        "beta": np.linspace(-1.0, 1.0, d),
        "moving_mean": np.full(d, 3.0),
        "moving_variance": np.full(d, 0.25),
        "epsilon": 1e-3,
    }


def run_bottom(bottom, x):
    """The tests' own inference pass over all of x at once."""
    for spec in bottom:
        if spec["kind"] == "dense":
            z = x @ spec["kernel"] + spec["bias"]
            x = {"relu": np.maximum(z, 0), "tanh": np.tanh(z), None: z}[spec["activation"]]
        elif spec["kind"] == "batch_norm":
            std = np.sqrt(spec["moving_variance"] + spec["epsilon"])
            x = spec["gamma"] * (x - spec["moving_mean"]) / std + spec["beta"]
        elif spec["kind"] == "activation":
            x = np.tanh(x) if spec["activation"] == "tanh" else np.maximum(x, 0)
    return x


def setup(seed, n=10):
    """A dense(relu) -> batch norm -> activation(tanh) -> dense(tanh) bottom and x (n, 4)."""
    rng = np.random.default_rng(seed)
    bottom = [
        dense(rng, 4, 5, "relu"),
        batch_norm(5),
        {"kind": "activation", "activation": "tanh"},
        dense(rng, 5, 3, "tanh"),
    ]
    return bottom, rng.standard_normal((n, 4))


@pytest.mark.hint(1)
def test_a_dense_bottom_caches_the_activated_outputs(impl):
    """Two dense layers (relu, then tanh): features = tanh(relu(x W1 + b1) W2 + b2).
    ja: 2 つの全結合層 (relu、次に tanh): features = tanh(relu(x W1 + b1) W2 + b2) です。"""
    rng = np.random.default_rng(0)
    bottom = [dense(rng, 4, 6, "relu"), dense(rng, 6, 3, "tanh")]
    x = rng.standard_normal((7, 4))
    got = impl.cache_frozen_outputs(bottom, x, chunk_size=100)
    expect_close(
        got,
        run_bottom(bottom, x),
        say(
            "cache_frozen_outputs(dense relu, dense tanh)",
            "cache_frozen_outputs(relu の dense, tanh の dense)",
        ),
        **TIGHT,
    )


@pytest.mark.hint(1)
@pytest.mark.mistake("the pre-activation cached")
def test_the_last_layer_s_activation_is_part_of_the_cache(impl):
    """A single dense(relu) layer: the cache holds relu(z), never the pre-activation z.
    ja: dense(relu) 1 層だけなら、キャッシュは活性化前の z ではなく relu(z) を保持します。"""
    bottom = [{"kind": "dense", "kernel": np.eye(2), "bias": None, "activation": "relu"}]
    x = np.array([[1.0, -2.0], [-3.0, 4.0]])
    got = impl.cache_frozen_outputs(bottom, x, chunk_size=8)
    expect_close(got, np.array([[1.0, 0.0], [0.0, 4.0]]), "cache_frozen_outputs(relu)", **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.mistake("batch norm with the chunk's statistics")
def test_batch_norm_uses_its_moving_statistics(impl):
    """A frozen batch norm in the cache normalizes with moving_mean/variance, not the chunk's.
    ja: キャッシュ内の凍結したバッチ正規化は、チャンクの統計量ではなく moving_mean/variance で正規化します。"""
    bottom = [batch_norm(3)]
    x = np.random.default_rng(1).standard_normal((6, 3))
    got = impl.cache_frozen_outputs(bottom, x, chunk_size=6)
    expect_close(got, run_bottom(bottom, x), "cache_frozen_outputs([batch_norm], x)", **TIGHT)


@pytest.mark.hint(2)
@pytest.mark.mistake("the last partial chunk dropped")
@pytest.mark.parametrize("chunk_size", [1, 3, 4, 10, 64])
def test_every_chunk_size_gives_the_same_cache(impl, chunk_size):
    """N = 10 rows in chunks of 1, 3, 4, 10, 64: all rows, in order, the same values.
    ja: N = 10 行を 1、3、4、10、64 のチャンクで: すべての行が順番どおり同じ値になります。"""
    bottom, x = setup(seed=2)
    got = impl.cache_frozen_outputs(bottom, x, chunk_size=chunk_size)
    call = say(
        f"cache_frozen_outputs(4 layers, x (10, 4), chunk_size={chunk_size})",
        f"cache_frozen_outputs(4 層, x (10, 4), chunk_size={chunk_size})",
    )
    expect_shape(got, (10, 3), call)
    expect_close(got, run_bottom(bottom, x), call, **TIGHT)


@pytest.mark.hint(2)
def test_dropout_with_rate_zero_is_the_identity(impl):
    """A dropout spec with rate 0 draws nothing, so it may be cached: it passes x through.
    ja: rate 0 のドロップアウトは何も引かないのでキャッシュしてよく、x をそのまま通します。"""
    bottom, x = setup(seed=3)
    with_dropout = [*bottom[:3], {"kind": "dropout", "rate": 0.0}, bottom[3]]
    got = impl.cache_frozen_outputs(with_dropout, x, chunk_size=4)
    call = "cache_frozen_outputs(... dropout(0) ...)"
    expect_close(got, run_bottom(bottom, x), call, **TIGHT)


@pytest.mark.hint(3)
@pytest.mark.mistake("cached through dropout")
@pytest.mark.parametrize("where", [0, 2, 4])
def test_dropout_in_the_bottom_is_refused(impl, where):
    """A dropout with rate > 0 anywhere in the bottom raises ValueError: it cannot be cached.
    ja: 下位層のどこかに rate > 0 のドロップアウトがあれば ValueError です。キャッシュできません。"""
    bottom, x = setup(seed=4)
    bottom.insert(where, {"kind": "dropout", "rate": 0.2})
    expect_value_error(
        lambda: impl.cache_frozen_outputs(bottom, x, chunk_size=4),
        f"cache_frozen_outputs(bottom with dropout(0.2) at position {where}, x, 4)",
        f"cache_frozen_outputs(位置 {where} に dropout(0.2) がある bottom, x, 4)",
        "a dropout draws a new mask every epoch, so its output cannot be computed once and reused",
        "ドロップアウトはエポックごとに新しいマスクを引くので、出力を 1 回計算して使い回すことはできません",
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("an empty bottom cached")
def test_an_empty_bottom_is_refused(impl):
    """No frozen layer at all: ValueError (there is nothing to cache).
    ja: 凍結した層が 1 つもなければ ValueError です (キャッシュするものがありません)。"""
    expect_value_error(
        lambda: impl.cache_frozen_outputs([], np.ones((3, 2)), chunk_size=2),
        "cache_frozen_outputs([], x, 2)",
        "cache_frozen_outputs([], x, 2)",
        "with no frozen layer there is nothing to cache",
        "凍結した層がなければキャッシュするものはありません",
    )


# --------------------------------------------------------------------------- batches


def expect_value_error(fn, call_en, call_ja, why_en, why_ja):
    """``fn()`` must raise ValueError (any other exception is the learner's own, shown as is)."""
    try:
        fn()
    except ValueError:
        return
    raise AssertionError(
        say(
            f"{call_en} returned without raising ValueError: {why_en}",
            f"{call_ja} が ValueError を出さずに戻りました: {why_ja}",
        )
    )


def labelled(n, d=2):
    """features whose every entry in row i equals i + 0.5, and labels y[i] = i: a mix-up shows."""
    return np.repeat(np.arange(n, dtype=float)[:, None] + 0.5, d, axis=1), np.arange(n)


@pytest.mark.hint(1)
@pytest.mark.mistake("features and labels shuffled separately")
@pytest.mark.parametrize(("n", "batch_size"), [(10, 4), (9, 3), (5, 8)])
def test_every_row_keeps_its_label(impl, n, batch_size):
    """In every batch, row j of xb is the features of the example whose label is yb[j].
    ja: どのバッチでも、xb の行 j はラベル yb[j] の例の特徴量です。"""
    features, y = labelled(n)
    batches = impl.cached_batches(features, y, batch_size, np.random.default_rng(5))
    for b, (xb, yb) in enumerate(batches):
        rows = (np.asarray(xb)[:, 0] - 0.5).astype(int).tolist()
        assert np.array_equal(xb[:, 0] - 0.5, yb), say(
            f"cached_batches(n={n}, batch_size={batch_size}): batch {b} pairs feature rows "
            f"{rows} with labels {np.asarray(yb).tolist()}; shuffle both with ONE permutation",
            f"cached_batches(n={n}, batch_size={batch_size}): バッチ {b} が特徴量の行 {rows} と"
            f"ラベル {np.asarray(yb).tolist()} を組にしています。両方を 1 つの置換でシャッフルしてください",
        )


@pytest.mark.hint(2)
@pytest.mark.mistake("the last partial batch dropped, or rows drawn with replacement")
@pytest.mark.parametrize(("n", "batch_size"), [(10, 4), (9, 3), (5, 8)])
def test_one_epoch_covers_every_row_once(impl, n, batch_size):
    """The batches have sizes batch_size, ..., remainder, and hold every label exactly once.
    ja: バッチの大きさは batch_size, ..., 余りで、どのラベルもちょうど 1 回ずつ含みます。"""
    features, y = labelled(n)
    batches = impl.cached_batches(features, y, batch_size, np.random.default_rng(6))
    sizes = [len(yb) for _, yb in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sizes == expected, say(
        f"cached_batches(n={n}, batch_size={batch_size}) gave batch sizes {sizes}, expected "
        f"{expected} (keep the last, smaller batch)",
        f"cached_batches(n={n}, batch_size={batch_size}) のバッチの大きさが {sizes} になりました。"
        f"期待値は {expected} です (最後の小さいバッチも残してください)",
    )
    seen = sorted(int(v) for _, yb in batches for v in yb)
    assert seen == list(range(n)), say(
        f"cached_batches(n={n}, batch_size={batch_size}): the batches hold labels {seen}, "
        f"expected each of 0..{n - 1} once",
        f"cached_batches(n={n}, batch_size={batch_size}): バッチのラベルが {seen} でした。"
        f"0..{n - 1} がそれぞれ 1 回ずつのはずです",
    )


@pytest.mark.hint(3)
@pytest.mark.mistake("two permutations drawn")
def test_the_batches_are_the_uncached_training_s_batches(impl):
    """Same rng, same order as uncached training: order = rng.permutation(N), cut in pieces.
    ja: 同じ rng ならキャッシュなしの訓練と同じ順番: order = rng.permutation(N) を切り分けます。"""
    features, y = labelled(11)
    batches = impl.cached_batches(features, y, 4, np.random.default_rng(7))
    expected = [y[idx] for idx in minibatches(11, 4, np.random.default_rng(7))]
    got = [np.asarray(yb).tolist() for _, yb in batches]
    want = [e.tolist() for e in expected]
    assert got == want, say(
        f"cached_batches(n=11, batch_size=4, rng seed 7) gave label batches {got}, expected "
        f"{want} (one rng.permutation(11), sliced in order)",
        f"cached_batches(n=11, batch_size=4, rng のシード 7) のラベルのバッチが {got} になりました。"
        f"期待値は {want} です (rng.permutation(11) を 1 回だけ引き、順に切り分けます)",
    )
