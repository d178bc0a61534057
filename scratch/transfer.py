"""Transfer learning as pure functions on arrays (book ch. 11, "Reusing Pretrained Layers"):
the references of katas 17 (freezing), 18 (caching) and 19 (replacing the top).

A dense stack is described by parallel lists: ``weights`` [(kernel (D_k-1, D_k), bias (D_k,)),
...], ``activations`` (names, None = linear) and ``trainable`` flags. The frozen bottom that
kata 18 caches is a list of layer *specs* (plain dicts, see ``check_bottom``), so that
``tf_ref.transfer`` can rebuild the very same layers in Keras. Nothing here changes its
arguments: every function returns new arrays.

The ``check_*`` functions are plumbing that ``tf_ref.transfer`` imports, so both backends refuse
bad input with the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scratch import activations, initializers
from scratch.activations import get as get_activation
from scratch.checks import (
    check_bool,
    check_float_array,
    check_labels,
    check_number,
    check_positive,
    check_rng,
)
from scratch.layers import (
    _batchnorm_forward,
    _dense_forward,
    check_batchnorm_args,
    check_dout,
)
from scratch.training import minibatches

Weights = list[tuple[np.ndarray, np.ndarray]]

# ----------------------------------------------------------------- argument checks (plumbing)


def check_dense_weights(weights: Any, name: str = "weights") -> Weights:
    """A non-empty list of (kernel (D_{k-1}, D_k), bias (D_k,)) pairs that chain (each kernel's
    rows = the previous kernel's columns), finite, all of the first kernel's dtype (float32 or
    float64). Returns the list with the arrays checked (not copied)."""
    if not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError(
            f"{name}: expected a non-empty list of (kernel, bias) pairs, got {weights!r:.80}"
        )
    out: Weights = []
    dtype = None
    for k, pair in enumerate(weights):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"{name}[{k}]: expected a (kernel, bias) pair, got {pair!r:.80}")
        kernel = check_float_array(pair[0], f"{name}[{k}] kernel", ndim=2, dtype=dtype)
        dtype = kernel.dtype
        bias = check_float_array(pair[1], f"{name}[{k}] bias", ndim=1, dtype=dtype)
        if bias.shape != (kernel.shape[1],):
            raise ValueError(
                f"{name}[{k}] bias: expected shape ({kernel.shape[1]},) (one per unit of the "
                f"kernel {kernel.shape}), got {bias.shape}"
            )
        if out and kernel.shape[0] != out[-1][0].shape[1]:
            raise ValueError(
                f"{name}[{k}] kernel: expected {out[-1][0].shape[1]} rows (the width of layer "
                f"{k - 1}), got shape {kernel.shape}"
            )
        out.append((kernel, bias))
    return out


def check_flags(flags: Any, name: str, length: int) -> list[bool]:
    """A list of ``length`` booleans (one per layer)."""
    if not isinstance(flags, (list, tuple)) or len(flags) != length:
        raise ValueError(
            f"{name}: expected a list of {length} True/False (one per layer), got {flags!r:.80}"
        )
    return [check_bool(f, f"{name}[{k}]") for k, f in enumerate(flags)]


def check_activation_names(names: Any, length: int) -> list[str]:
    """A list of ``length`` activation names (None = "linear"), each known to scratch."""
    if not isinstance(names, (list, tuple)) or len(names) != length:
        raise ValueError(
            f"activations: expected a list of {length} names (one per layer), got {names!r:.80}"
        )
    return [check_activation_name(a, f"activations[{k}]") for k, a in enumerate(names)]


def check_activation_name(value: Any, where: str) -> str:
    """scratch's name for an activation given by name (None = "linear"); an unknown one is
    refused with ``where`` (e.g. "bottom[2] activation") in front of the reason."""
    try:
        return activations.get(value).name
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where}: {err}") from None


#: The keys each kind of layer spec may have besides "kind" (``check_bottom``).
SPEC_KEYS = {
    "dense": ("kernel", "bias", "activation"),
    "batch_norm": ("gamma", "beta", "moving_mean", "moving_variance", "epsilon"),
    "activation": ("activation",),
    "dropout": ("rate",),
}


def check_bottom(bottom: Any) -> list[dict[str, Any]]:
    """A frozen bottom to cache: a non-empty list of layer specs (dicts), checked before anything
    runs. ``{"kind": "dense", "kernel": (D, M), "bias": (M,) or None, "activation": name or None}``,
    ``{"kind": "batch_norm", "gamma", "beta", "moving_mean", "moving_variance"`` (each (D,))
    ``, "epsilon": 1e-3 (optional)}``, ``{"kind": "activation", "activation": name}``,
    ``{"kind": "dropout", "rate": r}``. A dropout with r > 0 is refused: uncached training would
    drop different units at every step, which no stored output can reproduce (a Dropout layer
    has no parameters, yet it is not deterministic). A key a kind does not have (a misspelt
    "activation" or "epsilon") is refused. Returns normalized specs (arrays checked, names
    resolved)."""
    if not isinstance(bottom, (list, tuple)):
        raise TypeError(f"bottom: expected a list of layer specs (dicts), got {bottom!r:.80}")
    if not bottom:
        raise ValueError("bottom: expected at least one frozen layer, got none (nothing to cache)")
    specs = []
    dtype = None
    for k, spec in enumerate(bottom):
        where = f"bottom[{k}]"
        if not isinstance(spec, dict) or "kind" not in spec:
            raise TypeError(f"{where}: expected a dict with a 'kind', got {spec!r:.80}")
        kind = spec["kind"]
        if kind in SPEC_KEYS:
            unknown = sorted(map(str, set(spec) - {"kind", *SPEC_KEYS[kind]}))
            if unknown:  # a misspelt "activation" or "epsilon" would silently be the default
                raise ValueError(
                    f"{where}: unknown key(s) {', '.join(map(repr, unknown))} for kind {kind!r}; "
                    f"expected {', '.join(SPEC_KEYS[kind])}"
                )
        if kind == "dense":
            kernel = check_float_array(spec.get("kernel"), f"{where} kernel", ndim=2, dtype=dtype)
            dtype = kernel.dtype
            bias = spec.get("bias")
            if bias is not None:
                bias = check_float_array(bias, f"{where} bias", ndim=1, dtype=dtype)
                if bias.shape != (kernel.shape[1],):
                    raise ValueError(
                        f"{where} bias: expected shape ({kernel.shape[1]},), got {bias.shape}"
                    )
            act = check_activation_name(spec.get("activation"), f"{where} activation")
            specs.append({"kind": kind, "kernel": kernel, "bias": bias, "activation": act})
        elif kind == "batch_norm":
            arrays = {
                key: check_float_array(spec.get(key), f"{where} {key}", ndim=1, dtype=dtype)
                for key in ("gamma", "beta", "moving_mean", "moving_variance")
            }
            widths = {a.shape[0] for a in arrays.values()}
            if len(widths) != 1:
                raise ValueError(
                    f"{where}: expected gamma, beta and the moving statistics of "
                    f"one width, got widths {sorted(widths)}"
                )
            if (arrays["moving_variance"] < 0).any():
                raise ValueError(f"{where} moving_variance: expected values >= 0")
            dtype = arrays["gamma"].dtype
            epsilon = spec.get("epsilon", 1e-3)
            check_positive(epsilon, f"{where} epsilon")
            specs.append({"kind": kind, **arrays, "epsilon": float(epsilon)})
        elif kind == "activation":
            act = check_activation_name(spec.get("activation"), f"{where} activation")
            specs.append({"kind": kind, "activation": act})
        elif kind == "dropout":
            rate = check_number(spec.get("rate"), f"{where} rate")
            if not 0 <= rate < 1:
                raise ValueError(f"{where} rate: expected a number in [0, 1), got {rate!r}")
            if rate > 0:
                raise ValueError(
                    f"{where}: a dropout layer (rate {rate:g}) draws new random numbers at every "
                    "training step, so its outputs cannot be cached; cache only the layers "
                    "below it"
                )
            specs.append({"kind": kind, "rate": 0.0})
        else:
            raise ValueError(
                f"{where} kind: expected 'dense', 'batch_norm', 'activation' or 'dropout', "
                f"got {kind!r}"
            )
    return specs


def bottom_dtype(specs: list[dict[str, Any]]) -> np.dtype | None:
    """The dtype of the first array in checked specs (None: only activations and dropout)."""
    for spec in specs:
        for key in ("kernel", "gamma"):
            if key in spec:
                return spec[key].dtype
    return None


def check_bottom_widths(specs: list[dict[str, Any]], width: int) -> int:
    """The checked specs chain from inputs of ``width`` columns: each dense kernel has as many
    rows, and each batch norm as many features, as the width below it. Returns the output
    width."""
    for k, spec in enumerate(specs):
        if spec["kind"] == "dense":
            rows, cols = spec["kernel"].shape
            if rows != width:
                raise ValueError(
                    f"bottom[{k}] kernel: expected {width} rows (the width below it), got shape "
                    f"{spec['kernel'].shape}"
                )
            width = cols
        elif spec["kind"] == "batch_norm" and spec["gamma"].shape[0] != width:
            raise ValueError(
                f"bottom[{k}]: expected {width} features (the width below it), got "
                f"{spec['gamma'].shape[0]}"
            )
    return width


def check_n_reuse(n_reuse: Any, n_layers: int) -> int:
    """How many lower layers to reuse: an integer in [0, n_layers]."""
    check_number(n_reuse, "n_reuse", integer=True)
    if not 0 <= n_reuse <= n_layers:
        raise ValueError(
            f"n_reuse: expected an integer in [0, {n_layers}] (the net has {n_layers} layers), "
            f"got {n_reuse!r}"
        )
    return int(n_reuse)


def check_new_units(new_units: Any) -> list[int]:
    """The widths of the new top layers: an integer >= 1 (one new output layer) or a non-empty
    list of them (new hidden layers, then the output layer)."""
    units = [new_units] if not isinstance(new_units, (list, tuple)) else list(new_units)
    if not units:
        raise ValueError("new_units: expected at least one new layer width, got an empty list")
    for u in units:
        check_positive(u, "new_units", integer=True)
    return [int(u) for u in units]


def check_frozen_stack_args(
    x: Any, weights: Any, activations: Any, trainable: Any, dout: Any, input_grad: Any
) -> tuple[np.ndarray, Weights, list[str], list[bool], np.ndarray, bool]:
    """``frozen_stack_backward``'s arguments, checked: (x (N, D) in the kernels' dtype, the
    weights, the activation names, the trainable flags, dout (N, D_L), input_grad)."""
    weights = check_dense_weights(weights)
    names = check_activation_names(activations, len(weights))
    flags = check_flags(trainable, "trainable", len(weights))
    input_grad = check_bool(input_grad, "input_grad")
    dtype = weights[0][0].dtype
    x = check_float_array(x, "x", ndim=2, width=weights[0][0].shape[0], dtype=dtype)
    dout = check_dout(dout, (x.shape[0], weights[-1][0].shape[1]), dtype)
    return x, weights, names, flags, dout, input_grad


def check_frozen_batchnorm_args(
    x: Any,
    gamma: Any,
    beta: Any,
    moving_mean: Any,
    moving_variance: Any,
    trainable: Any,
    training: Any,
    momentum: Any,
    epsilon: Any,
) -> tuple[Any, ...]:
    """``frozen_batchnorm_forward``'s arguments, checked: (x (N, D), gamma, beta, copies of
    the moving mean and variance (D,), momentum, epsilon, trainable, training)."""
    trainable = check_bool(trainable, "trainable")
    training = check_bool(training, "training")
    x = check_float_array(x, "x", ndim=2)
    mean, var = (
        np.array(check_float_array(a, name, ndim=1, width=x.shape[1], dtype=x.dtype), copy=True)
        for name, a in (("moving_mean", moving_mean), ("moving_variance", moving_variance))
    )
    x, gamma, beta, momentum, epsilon = check_batchnorm_args(
        x, gamma, beta, mean, var, momentum, epsilon
    )
    return x, gamma, beta, mean, var, momentum, epsilon, trainable, training


# ------------------------------------------------------------------ kata 17: freezing


def frozen_stack_backward(
    x: np.ndarray,
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    activations: Sequence[str | None],
    trainable: Sequence[bool],
    dout: np.ndarray,
    input_grad: bool = True,
) -> tuple[np.ndarray | None, list[tuple[np.ndarray, np.ndarray] | None]]:
    """Forward then backward through a dense stack whose layers may be frozen (book ch. 11,
    "Freezing the Lower Layers").

    forward:   h_0 = x;  z_k = h_{k-1} @ W_k + b_k;  h_k = f_k(z_k)        k = 1..L
    backward:  g_L = dout = dL/dh_L;  dz_k = g_k * f_k'(z_k);
               grads[k] = (h_{k-1}.T @ dz_k, sum_n dz_k) if trainable[k] else None;
               g_{k-1} = dz_k @ W_k.T                          (frozen layers pass it on too)

    Frozen weights are constants, not cut wires: the gradient still flows through them, with
    their activation's derivative, to any trainable layer below. Returns (dx, grads): dx = g_0
    (N, D) and ``grads`` one entry per layer ((D_{k-1}, D_k), (D_k,)) or None. With
    ``input_grad=False`` nobody needs dL/dx: the pass stops once the lowest trainable layer's
    gradients are computed (frozen layers below it cost nothing) and dx is None.
    x (N, D) is cast to the kernels' dtype; dout is (N, D_L).
    """
    x, weights, names, flags, dout, input_grad = check_frozen_stack_args(
        x, weights, activations, trainable, dout, input_grad
    )
    funcs = [get_activation(n) for n in names]

    inputs, pre = [], []
    h = x
    for (kernel, bias), f in zip(weights, funcs, strict=True):
        inputs.append(h)
        pre.append(h @ kernel + bias)
        h = f(pre[-1])

    if input_grad:
        stop = 0
    elif any(flags):
        stop = flags.index(True)  # the lowest trainable layer: nothing below needs a gradient
    else:
        return None, [None] * len(weights)
    grads: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(weights)
    g = dout
    for k in range(len(weights) - 1, stop - 1, -1):
        dz = g * funcs[k].grad(pre[k])
        if flags[k]:
            grads[k] = (inputs[k].T @ dz, dz.sum(axis=0))
        if k > stop or input_grad:
            g = dz @ weights[k][0].T
    return (g if input_grad else None), grads


def frozen_batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    *,
    trainable: bool,
    training: bool,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch norm layer that may be frozen (Keras 3 semantics, what fine-tuning wants).

    It learns from the batch only when ``training and trainable``:
        mu, var = mean_n x, mean_n (x - mu)^2                   (biased, 1/N)
        new_mean = momentum * moving_mean + (1 - momentum) * mu    (likewise the variance)
    otherwise (inference, or a frozen layer even with training=True):
        mu, var = moving_mean, moving_variance;  the moving statistics stay as they are.
    then out = gamma * (x - mu) / sqrt(var + epsilon) + beta.

    x (N, D); gamma, beta, moving_mean, moving_variance (D,). Returns (out (N, D), new_mean (D,),
    new_variance (D,)) as new arrays; the arguments are left untouched.
    """
    x, gamma, beta, mean, var, momentum, epsilon, trainable, training = check_frozen_batchnorm_args(
        x, gamma, beta, moving_mean, moving_variance, trainable, training, momentum, epsilon
    )
    # The whole kata: a frozen layer runs in inference mode even while training (Keras 3).
    out, _ = _batchnorm_forward(
        x, gamma, beta, mean, var, momentum, epsilon, training and trainable
    )
    return out, mean, var


# ------------------------------------------------------------------- kata 18: caching


def cache_frozen_outputs(
    bottom: Sequence[dict[str, Any]], x: np.ndarray, chunk_size: int = 1024
) -> np.ndarray:
    """The frozen bottom's outputs, computed once (book ch. 11, "Caching the Frozen Layers").

    The bottom runs in INFERENCE mode (a frozen batch norm normalizes with its moving
    statistics, never the chunk's own), on ``chunk_size`` rows at a time (memory stays flat; the
    last chunk may be smaller and is kept), and the chunks' outputs are concatenated in order:
        features[i] = layer_m(... layer_1(x[i]))   with   dense: f(x @ W + b),
        batch_norm: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta,
        activation: f(x),  dropout (rate 0 only): x.
    Everything is checked before anything runs; a dropout with rate > 0 is refused
    (``check_bottom``). x (N, D) is cast to the bottom's dtype -> features (N, D_out).
    """
    specs = check_bottom(bottom)
    check_positive(chunk_size, "chunk_size", integer=True)
    x = check_float_array(x, "x", ndim=2, dtype=bottom_dtype(specs))
    check_bottom_widths(specs, x.shape[1])
    chunks = []
    for start in range(0, x.shape[0], int(chunk_size)):
        h = x[start : start + int(chunk_size)]
        for spec in specs:
            h = _apply_spec(spec, h)
        chunks.append(h)
    return np.concatenate(chunks, axis=0)


def _apply_spec(spec: dict[str, Any], h: np.ndarray) -> np.ndarray:
    # One checked layer spec (check_bottom, check_bottom_widths) in inference mode, through the
    # layers' own maths (scratch.layers), so the cache is what the frozen layers compute.
    kind = spec["kind"]
    if kind == "dense":
        z, _ = _dense_forward(h, spec["kernel"], spec["bias"])
        return activations.get(spec["activation"])(z)
    if kind == "batch_norm":
        stats = spec["moving_mean"], spec["moving_variance"]  # read, never written: training off
        out, _ = _batchnorm_forward(
            h, spec["gamma"], spec["beta"], *stats, 0.99, spec["epsilon"], False
        )
        return out
    if kind == "activation":
        return activations.get(spec["activation"])(h)
    return h  # dropout with rate 0: the identity


def cached_batches(
    features: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator | int | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """One epoch of training batches drawn from the cache, each row with its own label.

    order = rng.permutation(N), drawn ONCE (``scratch.training.minibatches``, so the batches are
    those uncached training would see with the same rng); batch b = (features[idx_b], y[idx_b])
    with idx_b = order[b * batch_size : (b + 1) * batch_size]; the last batch may be smaller.
    features (N, D) float, y (N,) integer labels -> [(xb (n_b, D), yb (n_b,)), ...], copies.
    """
    features = check_float_array(features, "features", ndim=2)
    y = check_labels(y, "y", n_classes=None, n_rows=features.shape[0])
    return [(features[idx], y[idx]) for idx in minibatches(features.shape[0], batch_size, rng)]


# ------------------------------------------------------------- kata 19: replacing the top


def replace_top(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    n_reuse: int,
    new_units: int | Sequence[int],
    rng: np.random.Generator | int | None = None,
    initializer: str = "glorot_uniform",
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The weights of a new net built on a trained one (book ch. 11, "Reusing Pretrained Layers"
    and "Tweaking, Dropping, or Replacing the Upper Layers").

    The lower ``n_reuse`` layers are COPIED (training the new net must not change the old one);
    the old layers above them are dropped; then one new layer per entry of ``new_units`` (an int
    is one new output layer), each with
        fan_in = width below it (the last reused layer's D_k; the input width if n_reuse = 0)
        kernel = initializer((fan_in, units), rng, dtype)   drawn in order, bottom to top
        bias   = zeros(units)
    ``rng`` is the one stream every new kernel is drawn from (an int seeds one). weights [(kernel
    (D_{k-1}, D_k), bias (D_k,)), ...] -> n_reuse + len(new_units) new (kernel, bias) pairs of
    the old kernels' dtype.
    """
    weights = check_dense_weights(weights)
    n_reuse = check_n_reuse(n_reuse, len(weights))
    units = check_new_units(new_units)
    rng = check_rng(rng)
    init = initializers.get(initializer)
    dtype = weights[0][0].dtype
    out = [(kernel.copy(), bias.copy()) for kernel, bias in weights[:n_reuse]]
    fan_in = weights[n_reuse - 1][0].shape[1] if n_reuse else weights[0][0].shape[0]
    for u in units:
        out.append((init((fan_in, u), rng, dtype), np.zeros(u, dtype)))
        fan_in = u
    return out
