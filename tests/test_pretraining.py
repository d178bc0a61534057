"""Greedy layer-wise pretraining (scratch.pretraining, tf_ref.pretraining): each RBM of the stack
trains on exactly the frozen layers' hidden probabilities, the stacked Dense layers compute that
same chain, and the DBN classifier is an ordinary model (fit, freeze, save/load, the tf_ref twin).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scratch import pretraining
from scratch.rbm import BernoulliRBM, hidden_probabilities

F64 = {"rtol": 1e-12, "atol": 1e-14}  # one float64 matmul + sigmoid done two ways: a few ulps


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def stack_params(widths: list[int], seed: int = 0, scale: float = 0.5) -> list[tuple]:
    """Random RBM parameters (W (H, D), c (H,)) for a stack of the given widths [D, H1, H2...]."""
    rng = np.random.default_rng(seed)
    return [
        (scale * rng.standard_normal((h, d)), scale * rng.standard_normal(h))
        for d, h in itertools.pairwise(widths)
    ]


def grey(n: int = 12, d: int = 7, seed: int = 1) -> np.ndarray:
    """Grey levels in [0, 1] (like scaled pixels)."""
    return np.random.default_rng(seed).random((n, d))


# ------------------------------------------------------------------ pure functions (kata 24)


def test_layer_inputs_are_the_chain_of_hidden_probabilities() -> None:
    """[x, sigma(x W1.T + c1), sigma(. W2.T + c2)]: len(params) items, probabilities, no samples."""
    x, params = grey(), stack_params([7, 5, 4, 3])
    inputs = pretraining.layer_inputs(x, params)
    assert len(inputs) == 3
    np.testing.assert_array_equal(inputs[0], x)
    expected = x
    for got, (w, c) in zip(inputs[1:], params[:-1], strict=True):
        expected = sigmoid(expected @ w.T + c)
        np.testing.assert_allclose(got, expected, **F64)
    assert not np.isin(inputs[1], (0.0, 1.0)).any()  # probabilities, never binary samples


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_inputs_keep_the_data_dtype(dtype: str) -> None:
    """float32 data gives float32 inputs (the RBMs train in the data's dtype), float64 alike."""
    inputs = pretraining.layer_inputs(grey().astype(dtype), stack_params([7, 5, 4]))
    assert [a.dtype for a in inputs] == [np.dtype(dtype)] * 2


def test_stack_weights_give_dense_layers_computing_the_same_chain() -> None:
    """Dense(H, sigmoid) with stack_weights' (W.T, c): forward = the hidden_probabilities chain."""
    from scratch.layers import Dense
    from scratch.models import Sequential

    x, params = grey(), stack_params([7, 5, 4, 3])
    weights = pretraining.stack_weights(params)
    assert [k.shape for k, _ in weights] == [(7, 5), (5, 4), (4, 3)]
    model = Sequential([Dense(w.shape[0], "sigmoid") for w, _ in params], 7, dtype="float64")
    model.set_weights([a for pair in weights for a in pair])
    expected = x
    for w, c in params:
        expected = hidden_probabilities(expected, w, c)
    np.testing.assert_allclose(model.forward(x), expected, **F64)
    weights[0][0][0, 0] = 99.0  # copies: editing the Dense kernel leaves the RBM alone
    assert params[0][0][0, 0] != 99.0


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ([], r"params: expected a non-empty list of \(W, c\) pairs"),
        ("W", r"params: expected a non-empty list"),
        ([(np.zeros((5, 7)),)], r"params\[0\]: expected a pair \(W, c\)"),
        ([(np.zeros((5, 6)), np.zeros(5))], r"params\[0\]\[0\] \(W\): expected shape \(H, 7\)"),
        ([(np.zeros((5, 7)), np.zeros(4))], r"params\[0\]\[1\] \(c\): expected shape \(5,\)"),
        (
            [(np.zeros((5, 7)), np.zeros(5)), (np.zeros((4, 6)), np.zeros(4))],
            r"params\[1\]\[0\] \(W\): expected shape \(H, 5\) \(params\[0\]'s hidden layer",
        ),
        ([(np.zeros((5, 7), dtype=int), np.zeros(5))], r"params\[0\]\[0\] \(W\): expected a float"),
        ([(np.full((5, 7), np.nan), np.zeros(5))], r"params\[0\]\[0\] \(W\): expected finite"),
    ],
)
def test_bad_params_are_refused_by_position(params, match: str) -> None:
    """Both pure functions name the pair and array: empty, not pairs, widths that do not chain."""
    with pytest.raises((TypeError, ValueError), match=match):
        pretraining.layer_inputs(grey(), params)
    if "H, 7" not in match:  # stack_weights has no input width to check the first W against
        with pytest.raises((TypeError, ValueError), match=match):
            pretraining.stack_weights(params)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (grey() * 2, r"x: expected values in \[0, 1\]"),
        (grey() - 0.5, r"x: expected values in \[0, 1\]"),
        ((grey() * 255).astype(np.uint8), r"x: expected a floating-point array"),
        (np.full((3, 7), np.nan), r"x: expected finite"),
        (grey()[0], r"x: expected a 2-D array"),
    ],
)
def test_layer_inputs_refuse_data_outside_the_unit_interval(x, match: str) -> None:
    """x must be visible units: finite floats in [0, 1], 2-D (the RBM's own check)."""
    with pytest.raises((TypeError, ValueError), match=match):
        pretraining.layer_inputs(x, stack_params([7, 5]))


# ------------------------------------------------------------------ greedy pretraining (scratch)

RBM = {"n_iter": 3, "batch_size": 8, "learning_rate": 0.1}


def binary(n: int = 40, d: int = 9, seed: int = 2) -> np.ndarray:
    """Binary images with structure (two prototypes, 10% of pixels flipped), float64."""
    rng = np.random.default_rng(seed)
    protos = rng.random((2, d)) < 0.5
    rows = protos[rng.integers(0, 2, n)] ^ (rng.random((n, d)) < 0.1)
    return rows.astype(np.float64)


def params_of(models) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(m.components_, m.intercept_hidden_) for m in models]


@pytest.mark.parametrize("method", ["sklearn", "cd", "pcd"])
def test_each_rbm_trains_on_exactly_its_layer_input(method: str) -> None:
    """RBM k equals an RBM fitted alone on layer_inputs(x, params)[k] with its random_state."""
    x = binary()
    models, _ = pretraining.pretrain_stack(
        x, (6, 5, 4), rbm={**RBM, "method": method}, random_state=0
    )
    inputs = pretraining.layer_inputs(x, params_of(models))
    assert len({m.random_state for m in models}) == 3  # each layer has its own seed
    for k, model in enumerate(models):
        alone = BernoulliRBM(**model.get_params()).fit(inputs[k])
        # bit for bit: the same draws on the same cached probabilities, the same operations
        np.testing.assert_array_equal(model.components_, alone.components_)
        np.testing.assert_array_equal(model.intercept_hidden_, alone.intercept_hidden_)
        np.testing.assert_array_equal(model.intercept_visible_, alone.intercept_visible_)


def test_each_frozen_layer_runs_once_on_the_data(monkeypatch) -> None:
    """The cache: one hidden_probabilities pass per frozen layer on x (and one on x_valid)."""
    calls = []

    def counting(v, W, c):
        calls.append((v.shape[0], W.shape))
        return hidden_probabilities(v, W, c)

    monkeypatch.setattr(pretraining, "hidden_probabilities", counting)
    x, x_valid = binary(), binary(n=12, seed=3)
    pretraining.pretrain_stack(x, (6, 5, 4), rbm=RBM, x_valid=x_valid, random_state=0)
    assert calls == [(40, (6, 9)), (12, (6, 9)), (40, (5, 6)), (12, (5, 6))]


def test_histories_monitor_each_layer_on_its_own_input_every_epoch() -> None:
    """One record per epoch; the last one is the final RBM's error and gap on its layer input."""
    from scratch.rbm import free_energy_gap, reconstruction_error

    x, x_valid = binary(), binary(n=12, seed=3)
    models, histories = pretraining.pretrain_stack(
        x, (6, 4), rbm={**RBM, "method": "cd"}, x_valid=x_valid, random_state=1
    )
    params = params_of(models)
    inputs, valid = pretraining.layer_inputs(x, params), pretraining.layer_inputs(x_valid, params)
    for model, history, v, vv in zip(models, histories, inputs, valid, strict=True):
        assert len(history) == RBM["n_iter"]
        assert all(
            set(e) == {"reconstruction_error", "free_energy_gap", "seconds"} for e in history
        )
        assert all(e["seconds"] >= 0 for e in history)
        W, b, c = model.components_, model.intercept_visible_, model.intercept_hidden_
        assert history[-1]["reconstruction_error"] == reconstruction_error(v, W, b, c)
        assert history[-1]["free_energy_gap"] == free_energy_gap(v, vv, W, b, c)
    assert histories[0][0] != histories[0][-1]  # recorded after each epoch, not once at the end
    _, no_valid = pretraining.pretrain_stack(x, (6,), rbm=RBM, random_state=1)
    assert set(no_valid[0][0]) == {"reconstruction_error", "seconds"}


def test_monitors_use_evenly_spaced_training_rows_on_large_data(monkeypatch) -> None:
    """monitor_rows: all rows up to the cap, else that many evenly spaced; the history uses them."""
    from scratch.rbm import reconstruction_error

    assert list(pretraining.monitor_rows(5)) == [0, 1, 2, 3, 4]
    rows = pretraining.monitor_rows(55_000)
    assert len(rows) == pretraining.MONITOR_ROWS and rows[0] == 0 and rows[-1] == 54_999
    assert len(np.unique(np.diff(rows))) <= 2  # evenly spaced, up to rounding
    monkeypatch.setattr(pretraining, "monitor_rows", lambda n: np.arange(0, n, 4))
    x = binary()
    models, histories = pretraining.pretrain_stack(x, (5,), rbm=RBM, random_state=0)
    W, b, c = models[0].components_, models[0].intercept_visible_, models[0].intercept_hidden_
    assert histories[0][-1]["reconstruction_error"] == reconstruction_error(x[::4], W, b, c)


def test_the_same_random_state_gives_the_same_stack() -> None:
    """An int random_state fixes every layer; another int gives other weights."""
    x = binary()
    a, _ = pretraining.pretrain_stack(x, (5, 3), rbm={**RBM, "method": "pcd"}, random_state=7)
    b, _ = pretraining.pretrain_stack(x, (5, 3), rbm={**RBM, "method": "pcd"}, random_state=7)
    c, _ = pretraining.pretrain_stack(x, (5, 3), rbm={**RBM, "method": "pcd"}, random_state=8)
    for m, n in zip(a, b, strict=True):
        np.testing.assert_array_equal(m.components_, n.components_)
    assert not np.array_equal(a[0].components_, c[0].components_)


def test_verbose_prints_one_line_per_layer_and_epoch(capsys) -> None:
    """verbose=True: '[pretrain] layer k/L (D -> H), epoch e: ...' lines, nothing otherwise."""
    pretraining.pretrain_stack(binary(), (4, 3), rbm={**RBM, "n_iter": 2}, random_state=0)
    assert capsys.readouterr().out == ""
    pretraining.pretrain_stack(
        binary(), (4, 3), rbm={**RBM, "n_iter": 2}, random_state=0, verbose=True
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[2].startswith("[pretrain] layer 2/2 (4 -> 3), epoch 1:")


# ------------------------------------------------------------------ the classifier (scratch)


def fitted_stack(dtype: str = "float64"):
    x = binary().astype(dtype)
    models, _ = pretraining.pretrain_stack(x, (6, 4), rbm={**RBM, "method": "cd"}, random_state=3)
    return x, models


def test_dbn_classifier_stacks_the_rbms_under_new_logits() -> None:
    """hidden1..L: sigmoid Dense with (W.T, c), frozen; outputs: new, trainable, from rng."""
    from scratch.models import Sequential

    x, models = fitted_stack()
    model = pretraining.dbn_classifier(models, 3, rng=0, dtype="float64")
    assert [layer.name for layer in model.layers] == ["hidden1", "hidden2", "outputs"]
    assert [layer.trainable for layer in model.layers] == [False, False, True]
    assert model.output_dim == 3
    stack = Sequential(model.layers[:-1], x.shape[1], dtype="float64")  # shares the layers
    expected = x
    for w, c in params_of(models):
        expected = hidden_probabilities(expected, w, c)
    np.testing.assert_allclose(stack.forward(x), expected, **F64)
    again = pretraining.dbn_classifier(models, 3, rng=0, dtype="float64")
    np.testing.assert_array_equal(
        again.layers[-1].params["kernel"], model.layers[-1].params["kernel"]
    )
    tuned = pretraining.dbn_classifier(models, 3, freeze=False, rng=0)
    assert all(layer.trainable for layer in tuned.layers)
    assert tuned.dtype == np.float32 and tuned.layers[0].params["kernel"].dtype == np.float32


def test_frozen_stack_stays_bit_for_bit_and_fine_tuned_stack_moves() -> None:
    """Supervised fit: freeze=True keeps every RBM weight exactly, freeze=False changes them."""
    from scratch.training import fit

    x, models = fitted_stack()
    y = np.arange(x.shape[0]) % 3
    for freeze in (True, False):
        model = pretraining.dbn_classifier(models, 3, freeze=freeze, rng=0, dtype="float64")
        before = [w.copy() for w in model.get_weights()]
        fit(model, x, y, epochs=2, batch_size=8, rng=0, verbose=False)
        after = model.get_weights()
        stack_same = [np.array_equal(a, b) for a, b in zip(before[:4], after[:4], strict=True)]
        assert stack_same == [freeze] * 4
        assert not np.array_equal(before[4], after[4])  # the new logits always train
    np.testing.assert_array_equal(models[0].components_.T, before[0])  # the RBMs never move


def test_dbn_classifier_saves_and_loads_as_an_ordinary_model(tmp_path) -> None:
    """save_model/load_model keep the weights, the names and the frozen flags."""
    from scratch.models import load_model, save_model

    x, models = fitted_stack()
    model = pretraining.dbn_classifier(models, 3, rng=0, dtype="float64")
    loaded = load_model(save_model(model, tmp_path / "dbn.npz"))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [layer.trainable for layer in loaded.layers] == [False, False, True]
    assert loaded.get_config() == model.get_config()


def test_dbn_classifier_goes_into_the_model_zoo(tmp_path, monkeypatch) -> None:
    """katas.zoo.store.add/load take it as any model: same logits, frozen flags kept."""
    from katas.zoo import store

    monkeypatch.setenv("DNN_KATAS_ZOO", str(tmp_path / "zoo"))
    x, models = fitted_stack()
    model = pretraining.dbn_classifier(models, 3, rng=0, dtype="float64")
    store.add("dbn-test", model, "scratch", recipe="dbn")
    loaded, manifest = store.load("dbn-test")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert manifest["architecture"]["layers"][0]["config"]["activation"] == "sigmoid"
    assert [layer.trainable for layer in loaded.layers] == [False, False, True]


def test_pretrain_dbn_is_the_four_steps_in_one_call() -> None:
    """The same stack as pretrain_stack with that random_state, then the classifier, trained."""
    x = binary()
    y = np.arange(x.shape[0]) % 3
    rbm = {**RBM, "method": "cd"}
    model, histories = pretraining.pretrain_dbn(
        x,
        (6, 4),
        3,
        labeled=(x, y),
        fit_options={"epochs": 2},
        rbm=rbm,
        random_state=5,
        rng=0,
        dtype="float64",
    )
    models, layers = pretraining.pretrain_stack(x, (6, 4), rbm=rbm, random_state=5)
    weights = pretraining.stack_weights(params_of(models))
    for got, (kernel, bias) in zip(model.layers[:2], weights, strict=True):
        np.testing.assert_array_equal(got.params["kernel"], kernel)  # frozen, so unchanged
        np.testing.assert_array_equal(got.params["bias"], bias)
    assert [len(h) for h in histories["layers"]] == [len(h) for h in layers] == [3, 3]
    assert histories["supervised"].epochs == 2
    _, no_fit = pretraining.pretrain_dbn(x, (6, 4), 3, rbm=rbm, random_state=5, rng=0)
    assert no_fit["supervised"] is None and len(no_fit["models"]) == 2


# ------------------------------------------------------------------ bad input


class Untrainable(BernoulliRBM):
    """Stands in for BernoulliRBM: any fit means an argument was checked too late."""

    def fit(self, *args, **kwargs):
        raise AssertionError("an RBM was trained before every argument was checked")


BAD_STACK = [
    ({"hidden": ()}, TypeError, r"hidden: expected a non-empty list of layer widths"),
    ({"hidden": 256}, TypeError, r"hidden: expected a non-empty list"),
    ({"hidden": (5, 0)}, ValueError, r"hidden\[1\]: expected a finite value > 0, got 0"),
    ({"hidden": (5, 2.5)}, TypeError, r"hidden\[1\]: expected an integer"),
    ({"hidden": (True,)}, TypeError, r"hidden\[0\]: expected an integer"),
    ({"x": binary() * 3}, ValueError, r"x: expected values in \[0, 1\]"),
    ({"x": binary() - 1}, ValueError, r"x: expected values in \[0, 1\]"),
    ({"x": binary().astype(int)}, TypeError, r"x: expected a floating-point array"),
    ({"x": np.zeros((0, 9))}, ValueError, r"x: expected at least one row"),
    ({"x_valid": binary()[:, :4]}, ValueError, r"x_valid: expected 9 columns"),
    ({"x_valid": binary() + 1}, ValueError, r"x_valid: expected values in \[0, 1\]"),
    (
        {"method": "autoencoders"},
        ValueError,
        r"method: unknown name 'autoencoders'; expected one of autoencoder, rbm",
    ),
    ({"method": None}, TypeError, r"method: expected a name"),
    ({"rbm": [("n_iter", 2)]}, TypeError, r"rbm: expected None or a dict"),
    ({"rbm": {"n_components": 5}}, ValueError, r"rbm: 'n_components' is set per layer.*hidden="),
    ({"rbm": {"random_state": 0}}, ValueError, r"rbm: 'random_state' is set per layer"),
    ({"rbm": {"epochs": 3}}, ValueError, r"rbm: unknown BernoulliRBM argument 'epochs'"),
    ({"random_state": -1}, ValueError, r"random_state: expected a seed >= 0"),
    ({"random_state": "0"}, TypeError, r"random_state: expected None, an int seed"),
    ({"verbose": "yes"}, TypeError, r"verbose: expected True or False"),
]


@pytest.mark.parametrize(("change", "error", "match"), BAD_STACK)
def test_bad_stack_arguments_are_refused_before_any_training(
    change, error, match, monkeypatch
) -> None:
    """pretrain_stack and pretrain_dbn name the argument before the first RBM trains."""
    monkeypatch.setattr(pretraining, "BernoulliRBM", Untrainable)
    args = {"x": binary(), "hidden": (5, 3), "rbm": RBM, **change}
    x, hidden = args.pop("x"), args.pop("hidden")
    with pytest.raises(error, match=match):
        pretraining.pretrain_stack(x, hidden, **args)
    with pytest.raises(error, match=match):
        pretraining.pretrain_dbn(x, hidden, 3, **args)


def test_bad_rbm_hyperparameters_are_the_estimators_errors() -> None:
    """A bad value inside rbm= is refused by BernoulliRBM.fit itself, before layer 1 trains."""
    with pytest.raises(ValueError, match="learning_rate"):
        pretraining.pretrain_stack(binary(), (5,), rbm={"learning_rate": -1.0})


BAD_HEAD = [
    ({"n_outputs": 0}, ValueError, r"n_outputs: expected a finite value > 0, got 0"),
    ({"n_outputs": 2.0}, TypeError, r"n_outputs: expected an integer"),
    ({"n_outputs": True}, TypeError, r"n_outputs: expected an integer"),
    ({"freeze": 1}, TypeError, r"freeze: expected True or False"),
    ({"dtype": "int32"}, TypeError, r"dtype: expected 'float32' or 'float64'"),
    ({"rng": "seed"}, TypeError, r"rng: expected None, an int seed"),
]


@pytest.mark.parametrize(("change", "error", "match"), BAD_HEAD)
def test_bad_classifier_arguments_are_refused_by_name(change, error, match, monkeypatch) -> None:
    """dbn_classifier refuses them; pretrain_dbn too, before any RBM trains."""
    _, models = fitted_stack()
    args = {"n_outputs": 3, **change}
    with pytest.raises(error, match=match):
        pretraining.dbn_classifier(models, **args)
    monkeypatch.setattr(pretraining, "BernoulliRBM", Untrainable)
    n_outputs = args.pop("n_outputs")
    with pytest.raises(error, match=match):
        pretraining.pretrain_dbn(binary(), (5,), n_outputs, **args)


def test_dbn_classifier_refuses_unfitted_or_mismatched_rbms() -> None:
    """models must be fitted RBMs whose widths chain (W_k has H_(k-1) columns)."""
    _, models = fitted_stack()
    with pytest.raises(TypeError, match=r"models: expected a non-empty list of fitted"):
        pretraining.dbn_classifier([], 3)
    with pytest.raises(TypeError, match=r"models\[1\]: expected a fitted BernoulliRBM"):
        pretraining.dbn_classifier([models[0], BernoulliRBM(4)], 3)
    with pytest.raises(ValueError, match=r"models\[1\].components_: expected shape \(H, 4\)"):
        pretraining.dbn_classifier([models[1], models[0]], 3)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"labeled": binary()}, TypeError, r"labeled: expected None or a pair \(x, y\)"),
        ({"labeled": (binary()[:, :3], np.zeros(40, int))}, ValueError, r"labeled\[0\] \(x\)"),
        ({"labeled": (binary(), np.full(40, 3))}, ValueError, r"labeled\[1\] \(y\)"),
        ({"labeled": (binary(), np.zeros(39, int))}, ValueError, r"labeled\[1\] \(y\)"),
        ({"fit_options": ["epochs"]}, TypeError, r"fit_options: expected None or a dict"),
        ({"fit_options": {"x": 1}}, ValueError, r"fit_options: unknown fit argument 'x'"),
        ({"fit_options": {"epoch": 1}}, ValueError, r"fit_options: unknown fit argument 'epoch'"),
        (
            {"fit_options": {"epochs": 2}, "labeled": None},
            ValueError,
            r"fit_options: given without",
        ),
        ({"fit_options": {"epochs": 0}}, ValueError, r"epochs: expected a finite value > 0"),
        ({"fit_options": {"batch_size": 2.0}}, TypeError, r"batch_size: expected an integer"),
        ({"fit_options": {"optimizer": "adma"}}, ValueError, r"optimizer.*'adma'"),
        ({"fit_options": {"loss": "mse"}}, ValueError, r"loss: unknown name 'mse'"),
        (
            {"fit_options": {"validation_data": (binary()[:, :2], np.zeros(40, int))}},
            ValueError,
            r"x_valid: expected last dimension 9",
        ),
        ({"fit_options": {"validation_data": (binary(), np.full(40, 5))}}, ValueError, r"y_valid"),
        ({"fit_options": {"checkpoint_path": "best.npz"}}, ValueError, r"checkpoint_path: .*needs"),
        (
            {"fit_options": {"cache_frozen": True}, "freeze": False},
            ValueError,
            r"cache_frozen=True needs freeze=True",
        ),
        ({"fit_options": {"rng": "x"}}, TypeError, r"rng: expected None, an int seed"),
    ],
)
def test_bad_supervised_arguments_are_refused_before_any_training(
    change, error, match, monkeypatch
) -> None:
    """labeled=(x, y) and fit_options (values too) are checked before the first RBM trains."""
    monkeypatch.setattr(pretraining, "BernoulliRBM", Untrainable)
    args = {"labeled": (binary(), np.arange(40) % 3), **change}
    with pytest.raises(error, match=match):
        pretraining.pretrain_dbn(binary(), (5,), 3, **args)


def test_epoch_callback_runs_after_each_epoch_and_must_be_callable() -> None:
    """BernoulliRBM.fit(epoch_callback=f) calls f(rbm, 1..n_iter) and draws nothing itself."""
    seen = []
    with_cb = BernoulliRBM(3, n_iter=3, batch_size=8, method="cd", random_state=0)
    with_cb.fit(binary(), epoch_callback=lambda rbm, epoch: seen.append(epoch))
    plain = BernoulliRBM(3, n_iter=3, batch_size=8, method="cd", random_state=0).fit(binary())
    assert seen == [1, 2, 3]
    np.testing.assert_array_equal(with_cb.components_, plain.components_)
    with pytest.raises(TypeError, match=r"epoch_callback: expected None or a callable"):
        BernoulliRBM(3).fit(binary(), epoch_callback=3)


# ------------------------------------------------------------------ tf_ref: the oracle


@pytest.mark.tf
def test_scratch_and_tf_ref_pretrain_the_same_dbn() -> None:
    """float64: the same RBMs, histories and classifier stack; tf_ref's frozen stack stays put."""
    from tf_ref import pretraining as tf_pretraining

    x, x_valid = binary(), binary(n=12, seed=3)
    y = np.arange(x.shape[0]) % 3
    args = {
        "rbm": {**RBM, "method": "pcd", "k": 2},
        "x_valid": x_valid,
        "random_state": 4,
        "rng": 0,
        "dtype": "float64",
        "labeled": (x, y),
        "fit_options": {"epochs": 2, "batch_size": 8},
    }
    ours, our_h = pretraining.pretrain_dbn(x, (6, 4), 3, **args)
    theirs, their_h = tf_pretraining.pretrain_dbn(x, (6, 4), 3, **args)
    # 3 epochs of 5 PCD-2 updates on 9 x 6 and 6 x 4 weights, in float64: the two backends
    # differ by a few ulps per operation, far below 1e-12
    for a, b in zip(our_h["models"], their_h["models"], strict=True):
        for key in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
            np.testing.assert_allclose(getattr(b, key), getattr(a, key), rtol=0, atol=1e-12)
    for a, b in zip(our_h["layers"], their_h["layers"], strict=True):
        for e, f in zip(a, b, strict=True):
            assert e.keys() == f.keys()
            for key in ("reconstruction_error", "free_energy_gap"):
                assert f[key] == pytest.approx(e[key], rel=0, abs=1e-12)
    weights = pretraining.stack_weights(params_of(our_h["models"]))
    for mine, layer, (kernel, bias) in zip(ours.layers, theirs.layers[:2], weights, strict=False):
        assert not layer.trainable
        np.testing.assert_array_equal(mine.get_weights()[0], kernel)  # frozen through the fit
        np.testing.assert_allclose(layer.get_weights()[0], kernel, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer.get_weights()[1], bias, rtol=0, atol=1e-12)
    assert their_h["supervised"].epochs == 2
    np.testing.assert_allclose(
        tf_pretraining.layer_inputs(x, params_of(our_h["models"]))[1],
        pretraining.layer_inputs(x, params_of(our_h["models"]))[1],
        **F64,
    )


@pytest.mark.tf
def test_the_dbn_classifier_goes_through_tf_ref_by_its_config() -> None:
    """tf_ref's Sequential.from_config(get_config()) + set_weights: same logits and frozen flags."""
    from tf_ref.models import Sequential as TfSequential

    x, models = fitted_stack()
    model = pretraining.dbn_classifier(models, 3, rng=0, dtype="float64")
    twin = TfSequential.from_config(model.get_config(), rng=0)
    twin.set_weights(model.get_weights())
    assert [layer.trainable for layer in twin.layers] == [False, False, True]
    # float64 matmuls and sigmoids in two libraries: agreement to a few ulps
    np.testing.assert_allclose(twin.predict(x), model.predict(x), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ autoencoders (scratch)

AE = {"epochs": 2, "batch_size": 8, "learning_rate": 0.01, "dtype": "float64"}


def encoders_of(models) -> list[tuple[np.ndarray, np.ndarray]]:
    return [tuple(layer.get_weights()) for m in models for layer in m.encoder_layers_]


@pytest.mark.parametrize("noise", [None, "masking"])
def test_each_autoencoder_trains_on_exactly_its_layer_input(noise) -> None:
    """Autoencoder k equals one fitted alone on autoencoder_layer_inputs(x, encoders)[k]."""
    from scratch.autoencoders import Autoencoder, autoencoder_layer_inputs

    x = binary()
    options = {**AE, "noise": noise, "noise_level": 0.0 if noise is None else 0.3}
    models, _ = pretraining.pretrain_stack(
        x, (6, 5, 4), method="autoencoder", autoencoder=options, random_state=0
    )
    inputs = autoencoder_layer_inputs(x, encoders_of(models))
    assert len({m.random_state for m in models}) == 3  # each layer has its own seed
    assert [m.loss for m in models] == ["sigmoid_cross_entropy"] + ["mean_squared_error"] * 2
    for k, model in enumerate(models):
        alone = Autoencoder(**model.get_params()).fit(inputs[k])
        # bit for bit: the same seed, the same cached codings, the same operations
        for a, b in zip(model.model_.get_weights(), alone.model_.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_each_frozen_encoder_runs_once_on_the_data(monkeypatch) -> None:
    """The cache: one transform per frozen autoencoder on x (and one on x_valid)."""
    from scratch.autoencoders import Autoencoder

    calls = []
    real = Autoencoder.transform

    def counting(self, X):
        calls.append((X.shape[0], self.hidden))
        return real(self, X)

    monkeypatch.setattr(Autoencoder, "transform", counting)
    x, x_valid = binary(), binary(n=12, seed=3)
    pretraining.pretrain_stack(
        x, (6, 5, 4), method="autoencoder", autoencoder=AE, x_valid=x_valid, random_state=0
    )
    assert calls == [(40, (6,)), (12, (6,)), (40, (5,)), (12, (5,))]


def test_autoencoder_histories_are_each_layers_fit_history() -> None:
    """One record per epoch per layer: loss, val_loss (with x_valid) and seconds, as fit's."""
    x, x_valid = binary(), binary(n=12, seed=3)
    models, histories = pretraining.pretrain_stack(
        x, (6, 4), method="autoencoder", autoencoder=AE, x_valid=x_valid, random_state=1
    )
    for model, history in zip(models, histories, strict=True):
        assert len(history) == AE["epochs"]
        assert all(set(e) == {"loss", "val_loss", "seconds"} for e in history)
        record = model.history_[0].history
        assert [e["loss"] for e in history] == record["loss"]
        assert [e["val_loss"] for e in history] == record["val_loss"]
    _, no_valid = pretraining.pretrain_stack(
        x, (6,), method="autoencoder", autoencoder=AE, random_state=1
    )
    assert set(no_valid[0][0]) == {"loss", "seconds"}


def test_autoencoder_stack_verbose_prints_one_line_per_layer_and_epoch(capsys) -> None:
    """verbose=True: '[pretrain] layer k/L (D -> H), epoch e: loss ...' lines."""
    pretraining.pretrain_stack(
        binary(), (4, 3), method="autoencoder", autoencoder=AE, random_state=0, verbose=True
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[2].startswith("[pretrain] layer 2/2 (4 -> 3), epoch 1: loss")


def ae_stack(dtype: str = "float64"):
    x = binary().astype(dtype)
    models, _ = pretraining.pretrain_stack(
        x, (6, 4), method="autoencoder", autoencoder={**AE, "dtype": dtype}, random_state=3
    )
    return x, models


def test_pretrained_classifier_stacks_the_encoders_under_new_logits() -> None:
    """hidden1..L: the encoders' ELU Dense with copies of their weights, frozen; new outputs."""
    from scratch.models import Sequential

    x, models = ae_stack()
    model = pretraining.pretrained_classifier(models, 3, rng=0, dtype="float64")
    assert [layer.name for layer in model.layers] == ["hidden1", "hidden2", "outputs"]
    assert [layer.trainable for layer in model.layers] == [False, False, True]
    assert [layer.activation.name for layer in model.layers[:2]] == ["elu", "elu"]
    stack = Sequential(model.layers[:-1], x.shape[1], dtype="float64")  # shares the layers
    expected = models[1].transform(models[0].transform(x))
    np.testing.assert_allclose(stack.forward(x), expected, **F64)
    model.layers[0].params["kernel"][0, 0] = 99.0  # copies: the autoencoder is untouched
    assert models[0].encoder_layers_[0].params["kernel"][0, 0] != 99.0
    tuned = pretraining.pretrained_classifier(models, 3, freeze=False, rng=0)
    assert all(layer.trainable for layer in tuned.layers) and tuned.dtype == np.float32


def test_pretrained_classifier_of_rbms_is_the_dbn_classifier() -> None:
    """With RBMs the one-argument switch gives dbn_classifier's model exactly."""
    _, models = fitted_stack()
    a = pretraining.pretrained_classifier(models, 3, rng=0, dtype="float64")
    b = pretraining.dbn_classifier(models, 3, rng=0, dtype="float64")
    assert a.get_config() == b.get_config()
    for u, v in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(u, v)


def test_pretrained_classifier_takes_a_multi_layer_autoencoder() -> None:
    """An Autoencoder((6, 4)) fitted as a stack gives both of its encoders, in order."""
    from scratch.autoencoders import Autoencoder

    x = binary()
    model_ae = Autoencoder((6, 4), training="greedy", random_state=0, **AE).fit(x)
    model = pretraining.pretrained_classifier([model_ae], 3, rng=0, dtype="float64")
    assert [layer.units for layer in model.layers] == [6, 4, 3]
    np.testing.assert_allclose(
        model.layers[1].params["kernel"], model_ae.encoder_layers_[1].params["kernel"]
    )


@pytest.mark.parametrize("method", ["rbm", "autoencoder"])
def test_pretrain_network_is_the_four_steps_with_one_switch(method: str) -> None:
    """The same call for both methods: pretrain_stack's stack, the classifier, the fit."""
    x = binary()
    y = np.arange(x.shape[0]) % 3
    options = {"rbm": {**RBM, "method": "cd"}} if method == "rbm" else {"autoencoder": AE}
    common = {"random_state": 5, "rng": 0, "dtype": "float64", **options}
    model, histories = pretraining.pretrain_network(
        x, (6, 4), 3, method=method, labeled=(x, y), fit_options={"epochs": 2}, **common
    )
    stack_models, layers = pretraining.pretrain_stack(
        x, (6, 4), method=method, random_state=5, **options
    )
    head = pretraining.pretrained_classifier(stack_models, 3, rng=0, dtype="float64")
    for got, want in zip(model.layers[:2], head.layers[:2], strict=True):
        for a, b in zip(got.get_weights(), want.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)  # frozen, so unchanged by the supervised fit
    assert [len(h) for h in histories["layers"]] == [len(h) for h in layers]
    assert histories["supervised"].epochs == 2
    if method == "rbm":
        dbn, _ = pretraining.pretrain_dbn(x, (6, 4), 3, rbm=options["rbm"], random_state=5, rng=0,
                                          dtype="float64")  # fmt: skip
        for a, b in zip(dbn.get_weights(), head.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


class UntrainableAutoencoder:
    """Stands in for training.fit: any call means an argument was checked too late."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("an autoencoder trained before every argument was checked")


BAD_AE_STACK = [
    # the words fit either method (they said "one per RBM" to an autoencoder stack)
    (
        {"hidden": ()},
        TypeError,
        r"hidden: expected a non-empty list of layer widths, one per pretrained layer \(",
    ),
    ({"autoencoder": [("epochs", 2)]}, TypeError, r"autoencoder: expected None or a dict"),
    ({"autoencoder": {"hidden": (5,)}}, ValueError, r"autoencoder: 'hidden' is set per layer"),
    ({"autoencoder": {"random_state": 0}}, ValueError, r"autoencoder: 'random_state' is set"),
    ({"autoencoder": {"n_iter": 3}}, ValueError, r"autoencoder: unknown Autoencoder argument"),
    ({"autoencoder": {"loss": "mse"}}, ValueError, r"loss: unknown name 'mse'"),
    ({"autoencoder": {"epochs": 0}}, ValueError, r"epochs: expected a finite value > 0"),
    ({"autoencoder": {"noise": "salt"}}, ValueError, r"noise: unknown name 'salt'"),
    ({"rbm": RBM}, ValueError, r"rbm: given with method='autoencoder'"),
    ({"x": binary() * 3}, ValueError, r"x: loss 'sigmoid_cross_entropy' expects targets in"),
    ({"x": binary().astype(int)}, TypeError, r"x: expected a floating-point array"),
    ({"x_valid": binary()[:, :4]}, ValueError, r"x_valid: expected 9 columns"),
    ({"x_valid": binary() - 1}, ValueError, r"x_valid: loss 'sigmoid_cross_entropy' expects"),
]


@pytest.mark.parametrize(("change", "error", "match"), BAD_AE_STACK)
def test_bad_autoencoder_stack_arguments_are_refused_before_any_training(
    change, error, match, monkeypatch
) -> None:
    """pretrain_stack and pretrain_network (method='autoencoder') refuse before layer 1 trains."""
    from scratch import training

    monkeypatch.setattr(training, "fit", UntrainableAutoencoder())
    args = {"x": binary(), "hidden": (5, 3), "autoencoder": AE, "method": "autoencoder", **change}
    x, hidden = args.pop("x"), args.pop("hidden")
    with pytest.raises(error, match=match):
        pretraining.pretrain_stack(x, hidden, **args)
    with pytest.raises(error, match=match):
        pretraining.pretrain_network(x, hidden, 3, **args)


def test_the_other_methods_options_are_refused_not_ignored(monkeypatch) -> None:
    """autoencoder= with method 'rbm' (the default), and pretrain_dbn with autoencoders."""
    monkeypatch.setattr(pretraining, "BernoulliRBM", Untrainable)
    with pytest.raises(ValueError, match=r"autoencoder: given with method='rbm'"):
        pretraining.pretrain_stack(binary(), (5,), autoencoder=AE)
    with pytest.raises(ValueError, match=r"autoencoder: given with method='rbm'"):
        pretraining.pretrain_network(binary(), (5,), 3, autoencoder=AE)
    with pytest.raises(ValueError, match=r"method: pretrain_dbn stacks RBMs"):
        pretraining.pretrain_dbn(binary(), (5,), 3, method="autoencoder")


def test_pretrained_classifier_refuses_unfitted_or_mismatched_models() -> None:
    """models: fitted RBMs or autoencoders whose widths chain."""
    from scratch.autoencoders import Autoencoder

    _, models = ae_stack()
    with pytest.raises(TypeError, match=r"models: expected a non-empty list of fitted"):
        pretraining.pretrained_classifier([], 3)
    with pytest.raises(TypeError, match=r"models\[1\]: expected a fitted BernoulliRBM or Auto"):
        pretraining.pretrained_classifier([models[0], Autoencoder((4,))], 3)
    with pytest.raises(ValueError, match=r"layers\[1\]\[0\] \(W\): expected shape \(H, 6\)"):
        pretraining.pretrained_classifier([models[0], models[0]], 3)


@pytest.mark.tf
def test_scratch_and_tf_ref_pretrain_the_same_autoencoder_network(monkeypatch) -> None:
    """float64, SGD, the same start per layer: the same stacks, histories and classifier."""
    from scratch.autoencoders import Autoencoder
    from tf_ref import pretraining as tf_pretraining
    from tf_ref.autoencoders import Autoencoder as TfAutoencoder

    def shared_start(self, layers, width, rng, dtype):  # both backends: one NumPy start
        model = self._backend().sequential(layers, width, rng=rng, dtype=dtype)
        start = np.random.default_rng(width)
        model.set_weights([0.3 * start.standard_normal(w.shape) for w in model.get_weights()])
        return model

    for cls in (Autoencoder, TfAutoencoder):
        monkeypatch.setattr(cls, "_new_model", shared_start)
    x, x_valid = binary(), binary(n=12, seed=3)
    y = np.arange(x.shape[0]) % 3
    args = {
        "method": "autoencoder",
        "autoencoder": {**AE, "optimizer": "sgd", "learning_rate": 2.0**-3, "tied": True},
        "x_valid": x_valid,
        "random_state": 4,
        "rng": 0,
        "dtype": "float64",
        "labeled": (x, y),
        "fit_options": {"epochs": 2, "batch_size": 8, "optimizer": "sgd"},
    }
    ours, our_h = pretraining.pretrain_network(x, (6, 4), 3, **args)
    theirs, their_h = tf_pretraining.pretrain_network(x, (6, 4), 3, **args)
    # plain SGD with float32-exact hyperparameters in float64: rounding only (see
    # tests/test_autoencoders.py), 2 layers x 2 epochs x 5 steps
    tol = {"rtol": 1e-10, "atol": 1e-12}
    for a, b in zip(our_h["layers"], their_h["layers"], strict=True):
        for e, f in zip(a, b, strict=True):
            assert e.keys() == f.keys()
            for key in ("loss", "val_loss"):
                assert f[key] == pytest.approx(e[key], rel=1e-10)
    for mine, layer in zip(ours.layers[:2], theirs.layers[:2], strict=True):
        assert not layer.trainable and layer.activation is not None
        for a, b in zip(mine.get_weights(), layer.get_weights(), strict=True):
            np.testing.assert_allclose(b, a, **tol)
    assert their_h["supervised"].epochs == 2
