"""Autoencoders (scratch.autoencoders, tf_ref.autoencoders): the tied autoencoder's gradients, the
greedy stack's pure functions, the layer recipe, and the Autoencoder estimator (joint and greedy,
tied or not, denoising, L2) against its own definitions and against tf_ref.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from katas.engine.testing import gradient_error, numerical_gradient
from scratch import autoencoders as ae
from scratch import training
from scratch.activations import elu

# centred differences (h = 1e-5) of a smooth float64 map resolve a gradient to ~1e-9 relative
GRAD_TOL = 1e-7


def make_tied(n: int = 5, d: int = 6, h: int = 3, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n, d)),
        rng.standard_normal((d, h)),
        rng.standard_normal(h),
        rng.standard_normal(d),
    )


def grey(n: int = 60, d: int = 12, seed: int = 1) -> np.ndarray:
    """Grey levels in [0, 1] with structure (3 prototypes plus noise), float64."""
    rng = np.random.default_rng(seed)
    protos = rng.random((3, d))
    return np.clip(protos[rng.integers(0, 3, n)] + 0.1 * rng.standard_normal((n, d)), 0, 1)


# ------------------------------------------------------------------ kata 25: tied autoencoder


@pytest.mark.parametrize(("d", "h"), [(6, 3), (3, 6)])
def test_tied_backward_passes_a_gradient_check(d: int, h: int) -> None:
    """float64, random upstream, D != H: dx, dW (both uses), db_hidden, db_out all check."""
    x, W, bh, bo = make_tied(d=d, h=h)
    dout = np.random.default_rng(9).standard_normal((x.shape[0], d))
    out, cache = ae.tied_autoencoder_forward(x, W, bh, bo)
    np.testing.assert_allclose(out, elu(x @ W + bh) @ W.T + bo, rtol=1e-12, atol=1e-12)
    grads = ae.tied_autoencoder_backward(dout, cache)
    args = [x, W, bh, bo]
    for i, got in enumerate(grads):

        def f(v, i=i):
            changed = list(args)
            changed[i] = v
            return ae.tied_autoencoder_forward(*changed)[0]

        assert gradient_error(got, numerical_gradient(f, args[i].copy(), dout)) < GRAD_TOL


def test_the_tied_kernel_gradient_is_the_sum_of_both_uses() -> None:
    """dW = x.T @ dz + dout.T @ h: neither term alone is the gradient."""
    x, W, bh, bo = make_tied()
    dout = np.random.default_rng(3).standard_normal((5, 6))
    _, cache = ae.tied_autoencoder_forward(x, W, bh, bo)
    _, dW, _, _ = ae.tied_autoencoder_backward(dout, cache)
    z = x @ W + bh
    dz = (dout @ W) * np.where(z > 0, 1.0, np.exp(z))
    encoder, decoder = x.T @ dz, dout.T @ elu(z)
    np.testing.assert_allclose(dW, encoder + decoder, rtol=1e-12)
    assert not np.allclose(dW, encoder) and not np.allclose(dW, decoder)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"W": np.zeros(6)}, ValueError, r"W: expected a 2-D array"),
        ({"b_hidden": np.zeros(4)}, ValueError, r"b_hidden: expected shape \(3,\)"),
        ({"b_out": np.zeros(3)}, ValueError, r"b_out: expected shape \(6,\)"),
        ({"x": np.zeros((5, 3))}, ValueError, r"x: expected 6 columns \(W is \(6, 3\)\)"),
        ({"x": np.zeros((5, 6), dtype=int)}, TypeError, r"x: expected a floating-point array"),
        ({"x": np.full((5, 6), np.nan)}, ValueError, r"x: expected finite values"),
        ({"b_out": np.zeros(6, np.float32)}, TypeError, r"b_out: expected dtype float64"),
    ],
)
def test_tied_forward_refuses_bad_arguments_by_name(change, error, match) -> None:
    """Shapes that do not fit W, integers, NaN, a bias of another dtype: named errors."""
    x, W, bh, bo = make_tied()
    args = {"x": x, "W": W, "b_hidden": bh, "b_out": bo, **change}
    with pytest.raises(error, match=match):
        ae.tied_autoencoder_forward(**args)


def test_tied_backward_refuses_a_foreign_cache_and_a_bad_dout() -> None:
    """The cache must be the forward's; dout must have the output's shape."""
    x, W, bh, bo = make_tied()
    _, cache = ae.tied_autoencoder_forward(x, W, bh, bo)
    with pytest.raises(TypeError, match=r"cache: expected the cache that tied_autoencoder_forward"):
        ae.tied_autoencoder_backward(np.zeros((5, 6)), cache[:2])
    with pytest.raises(ValueError, match=r"dout: expected shape \(5, 6\)"):
        ae.tied_autoencoder_backward(np.zeros((5, 3)), cache)


# ------------------------------------------------------------------ kata 28: stacking


def stack(widths: list[int], seed: int = 0) -> list[tuple]:
    """One phase per pair of widths: ((W_enc (d, h), b_enc), (W_dec (h, d), b_dec))."""
    rng = np.random.default_rng(seed)
    return [
        (
            (rng.standard_normal((d, h)), rng.standard_normal(h)),
            (rng.standard_normal((h, d)), rng.standard_normal(d)),
        )
        for d, h in itertools.pairwise(widths)
    ]


def test_layer_inputs_are_the_codings_of_the_encoders_below() -> None:
    """[x, elu(x W1 + b1), elu(h1 W2 + b2)]: one item per encoder, the top codings left out."""
    phases = stack([7, 5, 4, 3])
    encoders = [enc for enc, _ in phases]
    x = np.random.default_rng(2).standard_normal((8, 7))
    inputs = ae.autoencoder_layer_inputs(x, encoders)
    expected = [x]
    for w, b in encoders[:-1]:
        expected.append(elu(expected[-1] @ w + b))
    assert len(inputs) == 3
    for got, want in zip(inputs, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_assembled_stack_is_mirrored_and_shares_the_arrays() -> None:
    """enc1, enc2, enc3, dec3, dec2, dec1, the very arrays of the phases."""
    phases = stack([7, 5, 4, 3])
    got = ae.assemble_stacked_autoencoder(phases)
    expected = [p[0] for p in phases] + [p[1] for p in phases[::-1]]
    assert [w.shape for w, _ in got] == [(7, 5), (5, 4), (4, 3), (3, 4), (4, 5), (5, 7)]
    for (w, b), (ew, eb) in zip(got, expected, strict=True):
        assert w is ew and b is eb


@pytest.mark.parametrize(
    ("phases", "error", "match"),
    [
        ([], TypeError, r"phases: expected a non-empty list"),
        ([((np.zeros((5, 3)), np.zeros(3)),)], TypeError, r"phases\[0\]: expected \(\(W_enc"),
        (
            [((np.zeros((5, 3)), np.zeros(3)), (np.zeros((3, 4)), np.zeros(4)))],
            ValueError,
            r"phases\[0\]\[1\]\[0\] \(W\): expected shape \(3, 5\)",
        ),
        (
            [((np.zeros((5, 3)), np.zeros(2)), (np.zeros((3, 5)), np.zeros(5)))],
            ValueError,
            r"phases\[0\]\[0\]\[1\] \(b\): expected shape \(3,\)",
        ),
        (
            [*stack([5, 3]), ((np.zeros((4, 2)), np.zeros(2)), (np.zeros((2, 4)), np.zeros(4)))],
            ValueError,
            r"phases\[1\]\[0\]\[0\] \(W\): expected shape \(3, H\)",
        ),
    ],
)
def test_assemble_refuses_phases_that_do_not_chain(phases, error, match) -> None:
    """Not pairs, a decoder that does not map back, widths that do not chain: named."""
    with pytest.raises(error, match=match):
        ae.assemble_stacked_autoencoder(phases)


def test_layer_inputs_refuse_encoders_that_do_not_fit_x() -> None:
    """The first encoder must take x's width; an empty list is refused."""
    x = np.zeros((4, 7))
    with pytest.raises(ValueError, match=r"encoders\[0\]\[0\] \(W\): expected shape \(7, H\)"):
        ae.autoencoder_layer_inputs(x, [(np.zeros((6, 3)), np.zeros(3))])
    with pytest.raises(TypeError, match=r"encoders: expected a non-empty list"):
        ae.autoencoder_layer_inputs(x, [])


# ------------------------------------------------------------------ the layer recipe


def test_layers_follow_the_book_names_and_mirror_the_encoders() -> None:
    """784-300-150: hidden1, hidden2 (ELU), hidden3 (ELU), outputs (linear, 784 wide)."""
    from scratch.layers import Dense, DenseTranspose, GaussianNoise, MaskingNoise
    from scratch.models import Sequential

    layers = ae.autoencoder_layers(784, (300, 150))
    assert [layer.name for layer in layers] == ["hidden1", "hidden2", "hidden3", "outputs"]
    assert all(type(layer) is Dense for layer in layers)
    assert [layer.units for layer in layers] == [300, 150, 300, 784]
    assert [layer.activation.name for layer in layers] == ["elu", "elu", "elu", "linear"]
    tied = ae.autoencoder_layers(20, (8, 4), tied=True, noise="masking", noise_level=0.3)
    kinds = [MaskingNoise, Dense, Dense, DenseTranspose, DenseTranspose]
    assert [type(layer) for layer in tied] == kinds
    assert tied[3].tied_to is tied[2] and tied[4].tied_to is tied[1]  # mirror order
    model = Sequential(tied, 20, rng=0, dtype="float64")
    assert model.output_dim == 20
    assert tied[4].kernel is tied[1].params["kernel"]  # one array, not a copy
    assert set(tied[4].params) == {"bias"}
    noisy = ae.autoencoder_layers(20, (8,), noise="gaussian", noise_level=0.1)
    assert isinstance(noisy[0], GaussianNoise) and noisy[0].stddev == 0.1


def test_l2_penalizes_the_encoder_kernels_only() -> None:
    """l2 > 0: each encoder's kernel has L2(l2); biases and untied decoders have none."""
    layers = ae.autoencoder_layers(10, (6, 3), l2=1e-3)
    assert [set(layer.regularizers) for layer in layers] == [{"kernel"}, {"kernel"}, set(), set()]
    assert layers[0].regularizers["kernel"].l2 == 1e-3
    assert all(not layer.regularizers for layer in ae.autoencoder_layers(10, (6,)))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"hidden": ()}, TypeError, r"hidden: expected a non-empty list of coding widths"),
        ({"hidden": (5, 0)}, ValueError, r"hidden\[1\]: expected a finite value > 0"),
        ({"hidden": 300}, TypeError, r"hidden: expected a non-empty list"),
        ({"noise": "salt"}, ValueError, r"noise: unknown name 'salt'; expected one of gaussian"),
        ({"noise": "masking", "noise_level": 1.0}, ValueError, r"noise_level"),
        ({"noise": "gaussian", "noise_level": -0.1}, ValueError, r"noise_level"),
        ({"noise_level": 0.2}, ValueError, r"noise_level: 0.2 given without noise"),
        ({"tied": 1}, TypeError, r"tied: expected True or False"),
        ({"l2": -1.0}, ValueError, r"l2: expected a finite value >= 0"),
        ({"n_inputs": 0}, ValueError, r"n_inputs: expected a finite value > 0"),
        ({"activation": "elo"}, ValueError, r"elo"),
    ],
)
def test_layer_recipe_refuses_bad_arguments_by_name(kwargs, error, match) -> None:
    """Every argument of autoencoder_layers is checked, with its name in the message."""
    args = {"n_inputs": 10, "hidden": (5,), **kwargs}
    with pytest.raises(error, match=match):
        ae.autoencoder_layers(args.pop("n_inputs"), args.pop("hidden"), **args)


# ------------------------------------------------------------------ the estimator (scratch)

# what the loss spec says of targets outside [0, 1] for sigmoid_cross_entropy (pixels)
PIXELS = r"loss 'sigmoid_cross_entropy' expects targets in \[0, 1\]"
SMALL = {"epochs": 3, "batch_size": 10, "dtype": "float64", "random_state": 0}


class Recorder:
    """Wraps scratch.training.fit: records (model, x, y, loss) of every call."""

    def __init__(self, monkeypatch) -> None:
        self.calls: list[dict] = []
        real = training.fit

        def recording(model, x, y, **kwargs):
            self.calls.append({"model": model, "x": np.array(x), "y": y, "loss": kwargs["loss"]})
            return real(model, x, y, **kwargs)

        monkeypatch.setattr(training, "fit", recording)


@pytest.mark.parametrize("tied", [False, True])
def test_greedy_phase_k_trains_on_exactly_the_codings_below(tied: bool, monkeypatch) -> None:
    """Recorded inputs: phase 1 on X, phase 2 on autoencoder_layer_inputs(X, encoders)[1]."""
    rec = Recorder(monkeypatch)
    X = grey()
    model = ae.Autoencoder((6, 4, 3), tied=tied, training="greedy", **SMALL).fit(X)
    assert len(rec.calls) == 3
    encoders = [tuple(layer.get_weights()) for layer in model.encoder_layers_]
    expected = ae.autoencoder_layer_inputs(X, encoders)
    for call, want in zip(rec.calls, expected, strict=True):
        # the frozen encoders below never move after their phase, so today's weights are the
        # ones the cache was computed with; one matmul + ELU, computed the same way
        np.testing.assert_array_equal(call["x"], want)
        assert call["y"] is call["x"] or np.array_equal(call["y"], call["x"])  # clean targets
    assert [c["loss"] for c in rec.calls] == ["sigmoid_cross_entropy"] + ["mean_squared_error"] * 2
    assert [len(c["model"].layers) for c in rec.calls] == [2, 2, 2]


def test_the_assembled_stack_shares_the_phases_layers(monkeypatch) -> None:
    """model_'s layers are the phases' own objects (and arrays): nothing copied or redrawn."""
    rec = Recorder(monkeypatch)
    model = ae.Autoencoder((6, 4), noise="gaussian", noise_level=0.1, training="greedy", **SMALL)
    model.fit(grey())
    phase1, phase2 = (c["model"].layers for c in rec.calls)
    layers = model.model_.layers
    assert [layer.name for layer in layers] == ["noise", "hidden1", "hidden2", "hidden3", "outputs"]
    assert layers[0] is phase1[0] and layers[1] is phase1[1] and layers[4] is phase1[2]
    assert layers[2] is phase2[1] and layers[3] is phase2[2]  # phase 2: noise2, hidden2, hidden3
    assert phase2[0].name == "noise2" and phase2[0] not in layers
    assert model.encoder_layers_ == [layers[1], layers[2]]
    assert len(model.history_) == 2 and all(h.epochs == 3 for h in model.history_)


def test_joint_training_fits_the_whole_stack_on_the_clean_input(monkeypatch) -> None:
    """One fit of noise + 4 layers, with y = the clean X; the noise corrupts the input only."""
    rec = Recorder(monkeypatch)
    X = grey()
    model = ae.Autoencoder((6, 4), noise="masking", noise_level=0.5, **SMALL).fit(X)
    (call,) = rec.calls
    assert call["model"] is model.model_ and np.array_equal(call["y"], X)
    noise = model.model_.layers[0]
    assert noise.rate == 0.5 and noise.last_mask is not None  # it did corrupt during training
    out = model.model_.forward(X, training=False)  # inference: no corruption
    np.testing.assert_allclose(out, model.model_.predict(X))


def test_the_fitted_model_saves_loads_and_clones_as_an_ordinary_model(tmp_path) -> None:
    """model_ (greedy, tied, denoising) round-trips save/load and clone, decoders re-tied."""
    from scratch.models import clone_model, load_model, save_model

    X = grey()
    model = ae.Autoencoder((6, 3), tied=True, noise="masking", noise_level=0.2,
                           training="greedy", **SMALL).fit(X)  # fmt: skip
    loaded = load_model(save_model(model.model_, tmp_path / "ae.npz"))
    np.testing.assert_array_equal(loaded.predict(X), model.model_.predict(X))
    assert loaded.layers[3].tied_to is loaded.layers[2]
    clone = clone_model(model.model_)
    assert clone.layers[4].tied_to is clone.layers[1]
    assert clone.layers[4].tied_to is not model.model_.layers[1]


def test_transform_inverse_transform_reconstruct_and_score_agree() -> None:
    """transform = encoders; inverse_transform = sigmoid(decoders); score = -the loss."""
    from scratch import losses

    X = grey()
    model = ae.Autoencoder((6, 4), tied=True, **SMALL).fit(X)
    codings = model.transform(X)
    assert codings.shape == (60, 4)
    logits = model.model_.predict(X)
    recon = model.reconstruct(X)
    # the same float64 operations grouped differently (encoders, then decoders): a few ulps
    np.testing.assert_allclose(recon, 1 / (1 + np.exp(-logits)), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.inverse_transform(codings), recon, rtol=1e-12)
    value, _ = losses.get("sigmoid_cross_entropy")(logits, X)
    assert model.score(X) == pytest.approx(-value, rel=1e-12)
    assert model.components_.shape == (6, 12)
    np.testing.assert_array_equal(model.components_, model.encoder_layers_[0].params["kernel"].T)
    mse = ae.Autoencoder((6,), loss="mean_squared_error", **SMALL).fit(X)
    np.testing.assert_allclose(mse.reconstruct(X), mse.model_.predict(X), rtol=1e-12)


def test_training_lowers_the_reconstruction_loss() -> None:
    """On structured data, 20 epochs reconstruct better than the untrained network."""
    X = grey(n=120)
    before = ae.Autoencoder((6,), **{**SMALL, "epochs": 1, "learning_rate": 1e-9}).fit(X)
    after = ae.Autoencoder((6,), **{**SMALL, "epochs": 20, "learning_rate": 0.01}).fit(X)
    assert after.score(X) > before.score(X) + 0.01
    assert after.history_[0].history["loss"][-1] < after.history_[0].history["loss"][0]


def test_the_same_random_state_gives_the_same_autoencoder() -> None:
    """An int random_state fixes weights, batches and noise; another int changes them."""
    X = grey()
    kw = {**SMALL, "noise": "gaussian", "noise_level": 0.2, "training": "greedy"}
    a = ae.Autoencoder((6, 3), **kw).fit(X)
    b = ae.Autoencoder((6, 3), **kw).fit(X)
    c = ae.Autoencoder((6, 3), **{**kw, "random_state": 1}).fit(X)
    for x, y in zip(a.model_.get_weights(), b.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.components_, c.components_)


def test_epoch_callback_runs_after_each_epoch_and_changes_nothing() -> None:
    """callback(model, phase, epoch) per epoch of each phase; the weights are those without it."""
    X = grey()
    seen = []
    kw = {**SMALL, "training": "greedy"}
    a = ae.Autoencoder((6, 3), **kw).fit(X, epoch_callback=lambda m, p, e: seen.append((p, e)))
    b = ae.Autoencoder((6, 3), **kw).fit(X)
    assert seen == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    for x, y in zip(a.model_.get_weights(), b.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    assert a.history_[1].history["loss"] == b.history_[1].history["loss"]


def test_validation_data_gives_val_loss_per_phase() -> None:
    """X_valid adds val_loss to every phase's history (codings of X_valid above phase 1)."""
    X = grey()
    model = ae.Autoencoder((6, 3), training="greedy", **SMALL).fit(X, X_valid=grey(n=20, seed=5))
    assert all(len(h.history["val_loss"]) == 3 for h in model.history_)


def test_estimator_protocol() -> None:
    """get_params/set_params/repr, scikit-learn's clone, fit_transform, n_features_in_."""
    from sklearn.base import clone

    model = ae.Autoencoder((6,), tied=True, epochs=2)
    assert model.get_params()["hidden"] == (6,) and model.get_params()["tied"] is True
    assert repr(model) == "Autoencoder(hidden=(6,), tied=True, epochs=2)"
    assert model.set_params(l2=0.1) is model and model.l2 == 0.1
    with pytest.raises(ValueError, match=r"set_params: unknown parameter 'hiden'"):
        model.set_params(hiden=3)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and twin is not model
    codings = ae.Autoencoder((5,), **SMALL).fit_transform(grey())
    assert codings.shape == (60, 5)


def test_scikit_learn_tools_take_the_autoencoder_and_the_rbm() -> None:
    """check_is_fitted, cross_val_score and GridSearchCV (which read __sklearn_tags__ since
    scikit-learn 1.6) and a Pipeline work with the Autoencoder and the RBM."""
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    from scratch.rbm import BernoulliRBM

    x, y = grey(), np.arange(60) % 2
    for model in (ae.Autoencoder((3,), **SMALL), BernoulliRBM(3, n_iter=1, random_state=0)):
        with pytest.raises(NotFittedError):
            check_is_fitted(model)
        check_is_fitted(Pipeline([("code", model), ("clf", LogisticRegression())]).fit(x, y)[0])
    scores = cross_val_score(ae.Autoencoder((3,), **SMALL), x, cv=2)  # its score: -loss
    assert scores.shape == (2,) and np.all(scores < 0)
    search = GridSearchCV(ae.Autoencoder((3,), **SMALL), {"tied": [False, True]}, cv=2).fit(x)
    assert search.best_params_["tied"] in (False, True)


def test_unfitted_autoencoder_says_so() -> None:
    """Before fit: transform and friends raise NotFittedError (a ValueError), hasattr is False."""
    model = ae.Autoencoder((6,))
    for call in (model.transform, model.reconstruct, model.score, model.inverse_transform):
        with pytest.raises(ValueError, match=r"not fitted yet; call fit\(X\) first"):
            call(grey())
    assert not hasattr(model, "components_")


class NoTraining:
    """Stands in for training.fit: any call means an argument was checked too late."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("a phase trained before every argument was checked")


@pytest.mark.parametrize(
    ("params", "data", "error", "match"),
    [
        ({"loss": "sparse_softmax_cross_entropy"}, {}, ValueError, r"loss: unknown name"),
        ({"training": "layerwise"}, {}, ValueError, r"training: unknown name 'layerwise'"),
        ({"optimizer": object()}, {}, TypeError, r"optimizer: expected an optimizer name"),
        ({"optimizer": "adma"}, {}, ValueError, r"optimizer: unknown name 'adma'"),
        ({"learning_rate": 0}, {}, ValueError, r"learning_rate: expected a finite value > 0"),
        ({"epochs": 0}, {}, ValueError, r"epochs: expected a finite value > 0"),
        ({"batch_size": 2.5}, {}, TypeError, r"batch_size: expected an integer"),
        ({"dtype": "int32"}, {}, TypeError, r"dtype: expected 'float32' or 'float64'"),
        ({"random_state": "0"}, {}, TypeError, r"random_state: expected None, an int seed"),
        ({"verbose": "yes"}, {}, TypeError, r"verbose: expected True or False"),
        ({"hidden": (4, 0), "training": "greedy"}, {}, ValueError, r"hidden\[1\]"),
        ({"noise": "masking", "noise_level": 1.5}, {}, ValueError, r"noise_level"),
        ({"activation": "elo", "training": "greedy"}, {}, ValueError, r"elo"),
        ({}, {"X": grey() * 2}, ValueError, r"X: " + PIXELS),
        ({}, {"X": (grey() * 255).astype(np.uint8)}, TypeError, r"X: expected a floating"),
        ({}, {"X": np.full((4, 12), np.nan)}, ValueError, r"X: expected finite values"),
        ({}, {"X": np.zeros((0, 12))}, ValueError, r"X: expected a non-empty array"),
        ({}, {"X": grey()[0]}, ValueError, r"X: expected a 2-D array"),
        ({}, {"X_valid": grey()[:, :5]}, ValueError, r"X_valid: expected last dimension 12"),
        ({}, {"X_valid": grey() + 1}, ValueError, r"X_valid: " + PIXELS),
        ({}, {"epoch_callback": 3}, TypeError, r"epoch_callback: expected None or a callable"),
    ],
)
def test_bad_fit_arguments_are_refused_before_any_training(
    params, data, error, match, monkeypatch
) -> None:
    """Hyperparameters, data and the callback are checked before the first phase trains."""
    monkeypatch.setattr(training, "fit", NoTraining())
    data = {"X": grey(), **data}
    model = ae.Autoencoder(**{"hidden": (6, 3), **SMALL, **params})
    with pytest.raises(error, match=match):
        model.fit(data.pop("X"), **data)


def test_fitted_autoencoder_refuses_queries_of_the_wrong_width() -> None:
    """transform/score need D columns, inverse_transform the codings' width."""
    model = ae.Autoencoder((6, 3), **SMALL).fit(grey())
    with pytest.raises(ValueError, match=r"X: expected last dimension 12"):
        model.transform(grey()[:, :4])
    with pytest.raises(ValueError, match=r"H: expected last dimension 3"):
        model.inverse_transform(np.zeros((2, 6)))
    with pytest.raises(ValueError, match=r"X: " + PIXELS):
        model.score(grey() + 2)
    with pytest.raises(ValueError, match=r"X: expected a non-empty array"):
        model.transform(np.zeros((0, 12)))


def test_reconstructions_improve_on_real_mnist() -> None:
    """1,000 MNIST digits, 784-64 tied denoising AE, 3 epochs: the held-out reconstruction
    error falls well below the untrained network's and below predicting the mean image."""
    from katas import data
    from katas.data.preprocessing import scale

    # about 1 s of training (60 steps of 50 x 784 on one BLAS thread): not a slow test
    if not data.npz_path().is_file():
        pytest.skip("MNIST not cached: run `katas data fetch`")
    m = data.load_mnist()
    x = scale(m.x_train[:1000])
    x_test = scale(m.x_test[:500])
    kw = {"tied": True, "noise": "gaussian", "noise_level": 0.1, "batch_size": 50}
    untrained = ae.Autoencoder((64,), epochs=1, learning_rate=1e-9, random_state=0, **kw).fit(x)
    trained = ae.Autoencoder((64,), epochs=3, learning_rate=0.01, random_state=0, **kw).fit(x)
    mse = lambda model: float(((model.reconstruct(x_test) - x_test) ** 2).mean())  # noqa: E731
    mean_image = float(((x.mean(axis=0) - x_test) ** 2).mean())
    # measured: 0.042 trained, 0.23 untrained, 0.065 for the mean image; wide margins
    assert mse(trained) < 0.5 * mse(untrained)
    assert mse(trained) < 0.8 * mean_image
    assert trained.score(x_test) > untrained.score(x_test)


# ------------------------------------------------------------------ tf_ref: the oracle


@pytest.mark.tf
def test_tf_ref_pure_functions_agree_with_scratch() -> None:
    """float64: the same forward, gradients, codings and assembled order."""
    from tf_ref import autoencoders as tf_ae

    x, W, bh, bo = make_tied()
    dout = np.random.default_rng(4).standard_normal((5, 6))
    ours, cache = ae.tied_autoencoder_forward(x, W, bh, bo)
    theirs, tf_cache = tf_ae.tied_autoencoder_forward(x, W, bh, bo)
    # float64 matmuls and ELU in two libraries: a few ulps
    np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-12)
    for a, b in zip(
        ae.tied_autoencoder_backward(dout, cache),
        tf_ae.tied_autoencoder_backward(dout, tf_cache),
        strict=True,
    ):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    phases = stack([7, 5, 4, 3])
    encoders = [enc for enc, _ in phases]
    xs = np.random.default_rng(2).standard_normal((8, 7))
    for a, b in zip(
        ae.autoencoder_layer_inputs(xs, encoders),
        tf_ae.autoencoder_layer_inputs(xs, encoders),
        strict=True,
    ):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    for (w, b), (tw, tb) in zip(
        ae.assemble_stacked_autoencoder(phases),
        tf_ae.assemble_stacked_autoencoder(phases),
        strict=True,
    ):
        assert w is tw and b is tb


def shared_start(cls, noise_seed: int = 7):
    """``cls`` whose models start from the same weights in both backends (drawn from a fixed
    NumPy stream by shape) and whose noise layers replay one injected draw per phase."""

    class SharedStart(cls):
        def _new_model(self, layers, width, rng, dtype):
            model = super()._new_model(layers, width, rng, dtype)
            start = np.random.default_rng(width)
            model.set_weights([0.3 * start.standard_normal(w.shape) for w in model.get_weights()])
            draws = np.random.default_rng(noise_seed + width)
            for layer in model.layers:
                if hasattr(layer, "set_noise"):
                    layer.set_noise(draws.standard_normal((self.batch_size, layer.input_dim)))
                elif hasattr(layer, "set_mask"):
                    layer.set_mask(draws.random((self.batch_size, layer.input_dim)) >= 0.3)
            return model

    return SharedStart


# Plain SGD, every hyperparameter (learning rate, l2, stddev) exact in float32, where Keras keeps
# them: the two backends compute the same float64 steps and agree to rounding (a few ulps per
# operation; 1e-10 is a wide margin). Adam: Keras keeps beta_1, beta_2 and epsilon as float32
# (float32(0.9) = 0.89999997...) even for float64 variables, scratch the exact values, so each
# step differs by ~1e-7 relative, more where Adam divides by a tiny second moment (measured: 9e-7
# absolute on weights of ~0.05 after 18 steps): 1e-4 relative, 1e-5 absolute.
SGD_TOL = {"rtol": 1e-10, "atol": 1e-12}
ADAM_TOL = {"rtol": 1e-4, "atol": 1e-5}


@pytest.mark.tf
@pytest.mark.parametrize(
    ("params", "tol"),
    [
        (
            {"training": "joint", "tied": True, "noise": "gaussian", "noise_level": 0.25,
             "l2": 2.0**-10, "optimizer": "sgd", "learning_rate": 2.0**-3},
            SGD_TOL,
        ),
        (
            {"training": "greedy", "noise": "masking", "noise_level": 0.3, "optimizer": "sgd",
             "learning_rate": 2.0**-3},
            SGD_TOL,
        ),
        (
            {"training": "greedy", "tied": True, "loss": "mean_squared_error", "l2": 2.0**-7,
             "optimizer": "adam", "learning_rate": 2.0**-7},
            ADAM_TOL,
        ),
    ],
    ids=["joint-tied-gaussian-l2-sgd", "greedy-untied-masking-sgd", "greedy-tied-mse-l2-adam"],
)  # fmt: skip
def test_scratch_and_tf_ref_train_the_same_autoencoder(params, tol) -> None:
    """float64, the same start, injected noise and batches: the same losses, weights, codings."""
    from tf_ref import autoencoders as tf_ae

    X, X_valid = grey(), grey(n=20, seed=5)
    kw = {**SMALL, "batch_size": 10, **params}  # 60 rows: 6 full batches of the injected shape
    ours = shared_start(ae.Autoencoder)((6, 3), **kw).fit(X, X_valid=X_valid)
    theirs = shared_start(tf_ae.Autoencoder)((6, 3), **kw).fit(X, X_valid=X_valid)
    for a, b in zip(ours.history_, theirs.history_, strict=True):
        for key in ("loss", "val_loss"):
            np.testing.assert_allclose(b.history[key], a.history[key], **tol)
    assert a.history["loss"][0] != a.history["loss"][-1]  # it trained
    assert [layer.name for layer in theirs.model_.layers] == [
        layer.name for layer in ours.model_.layers
    ]
    for a, b in zip(ours.model_.get_weights(), theirs.model_.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, **tol)
    np.testing.assert_allclose(theirs.transform(X), ours.transform(X), **tol)
    np.testing.assert_allclose(theirs.reconstruct(X), ours.reconstruct(X), **tol)
    assert theirs.score(X) == pytest.approx(ours.score(X), rel=tol["rtol"])
    np.testing.assert_allclose(theirs.components_, ours.components_, **tol)


@pytest.mark.tf
def test_tf_ref_autoencoder_refuses_what_scratch_refuses() -> None:
    """The same checks (shared plumbing): a bad loss, pixels out of range, unfitted use."""
    from tf_ref import autoencoders as tf_ae

    with pytest.raises(ValueError, match=r"loss: unknown name"):
        tf_ae.Autoencoder((4,), loss="mse").fit(grey())
    with pytest.raises(ValueError, match=r"X: " + PIXELS):
        tf_ae.Autoencoder((4,)).fit(grey() * 3)
    with pytest.raises(ValueError, match=r"not fitted yet"):
        tf_ae.Autoencoder((4,)).transform(grey())
    layers = tf_ae.autoencoder_layers(10, (6, 3), tied=True)
    assert [layer.name for layer in layers] == ["hidden1", "hidden2", "hidden3", "outputs"]
