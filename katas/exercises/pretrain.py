"""Unsupervised pretraining with few labels (book ch. 11, "Unsupervised Pretraining", and ch. 15;
issues 10 and 11): ``katas exercise pretrain --method rbm|autoencoder|both``.

The seed's situation: plenty of images, few labels. MNIST, the book's 55k / 5k / 10k split,
pixels in [0, 1]. For every seed, ``n`` labeled training images per digit are drawn at random
(``--labels``, default 10, 100 and 1,000 per digit; the sets are nested: the 10 of a digit are
among its 100), and the training images outside the largest labeled set are the unlabeled pool
(``--unlabeled``: the first N of it in a seeded order; the labels of the pool are never read).
Early stopping watches a labeled validation set of matching size: ``min(n, smallest digit
count of the 5k validation split)`` per digit, drawn the same way from the validation split.
The test set is the whole 10k test split.

Pretraining (steps 1-3 of the seed, greedy, layer-wise: ``pretraining.pretrain_stack``), once per
stack, seed and backend; the same stack serves every label count:

* ``rbm`` (``--method rbm``): RBM 1 on the pool's pixels, RBM 2 on RBM 1's hidden
  probabilities, ...;
* ``autoencoder`` and ``denoising`` (``--method autoencoder``): autoencoder 1 (one ELU hidden
  layer, book ch. 15) on the pixels, autoencoder 2 on autoencoder 1's cached codings, ...; the
  denoising ones corrupt their input (never the target) with masking noise;
* ``--method both`` (the default): all three.

Then networks of one shape (Dense layers of ``--hidden`` units and a new 10-way softmax),
trained with Adam on the labeled images, early stopping on the validation loss (best weights
kept). Each stack gives two variants, and each is measured against a random network of its own
architecture (sigmoid for the RBMs, ELU for the autoencoders: a stack's gain is not mixed up
with the gain of another activation):

* ``random_frozen`` / ``random``: sigmoid layers, random (Glorot), frozen (only the softmax
  trained: what a random projection alone gives) or trained (the baseline);
* ``rbm_frozen`` / ``rbm_finetuned``: the RBM stack (sigmoid), frozen with a new softmax on top
  (step 4 of the seed), or as initialization with everything trained;
* ``random_elu_frozen`` / ``random_elu``: ELU layers, random (He), frozen or trained;
* ``ae_frozen`` / ``ae_finetuned`` and ``dae_frozen`` / ``dae_finetuned``: the autoencoders'
  encoders (ELU, ``pretraining.pretrained_classifier``), frozen or fine-tuned.

Frozen variants train with ``cache_frozen=True`` (the stack's features computed once). Every
number is the mean and standard deviation (n - 1) over ``--seeds`` seeds (seed ``s`` draws the
labeled and validation subsets, the pool's order, the stacks and the networks' initialization
and batches; a variant's draws do not depend on which other variants run, so ``--method rbm``
gives the RBM rows of ``--method both`` exactly). The gain of a stack is its fine-tuned mean
minus its random baseline's mean (the report adds the statistics of the per-seed differences).

Settings (``Settings``): 2 x 256 hidden units. RBMs: CD-1 (``method="cd"``) with momentum 0.5
and weight decay 1e-4 on the weights (Hinton's guide), learning rate 0.05, batches of 100, 5
epochs. Autoencoders (book ch. 15, at the RBMs' sizes): ELU, He initialization, l2 1e-4 on the
encoder's kernel, tied weights (the decoder's kernel is the encoder's transposed: half the
parameters, Vincent et al.'s and the book's tied autoencoder; ``--no-ae-tied`` unties them),
the mean squared error against the clean input (the book's loss; the autoencoders above the
first reconstruct unbounded ELU codings, which only it fits), Adam 0.001, batches of 150, 5
epochs. Denoising: masking noise, each input zeroed with probability 0.25 (``--noise gaussian
--noise-level S`` for Gaussian noise): chosen over Gaussian noise of stddev 0.1 because masking
is scale-free (the second autoencoder's input is ELU codings, not pixels in [0, 1], and a
stddev that suits pixels does not suit them) and because it is the corruption Vincent et al.
(2008) stacked on MNIST (0.25 is one of the fractions they compared). Every stack trains on the
whole unlabeled pool (45,000 images with 1,000 labels per digit; ``--unlabeled N`` takes fewer).
Supervised: Adam 0.003, batches of ``min(32, n_train)``, at most 300 epochs, patience 15.
Nothing was tuned on the test set; the AE settings are the book's and were not tuned
either, except for one look at the l2 on the validation sets (one seed, 10 and 100 labels per
digit: without it the AE variants' validation accuracies moved by -0.04 to +0.03, +0.002 on
average, so the book's 1e-4 stayed; it quadruples the test reconstruction error, 0.0084
against 0.0021).

Measured (``nice -n 10 katas exercise pretrain --method both --backend scratch``: seeds 42-44,
a pool of 45,000 unlabeled images, 10,000 test images; test accuracy mean +- sd over the 3
seeds; gains: difference of the means +- the sd of the per-seed differences; 12 to 17 min
wall on the 2 shared cores beside other jobs, 9.5 min of CPU, the same numbers to the last digit
in both runs; pretraining per seed 14-18 s for the RBMs, 16-19 s for the autoencoders, 19-24 s
for the denoising ones):

    labels/digit  variant                                         scratch test acc
    10            random init, frozen                             0.1317 +- 0.0581
    10            random init, trained                            0.7756 +- 0.0142
    10            RBM stack, frozen                               0.8308 +- 0.0130
    10            RBM stack, fine-tuned                           0.8263 +- 0.0082
    10            random ELU init, frozen                         0.7252 +- 0.0202
    10            random ELU init, trained                        0.7200 +- 0.0340
    10            autoencoders, frozen                            0.7709 +- 0.0188
    10            autoencoders, fine-tuned                        0.7517 +- 0.0052
    10            denoising AEs, frozen                           0.7915 +- 0.0232
    10            denoising AEs, fine-tuned                       0.7423 +- 0.0190
                  gain RBM (fine-tuned - random)                 +0.0507 +- 0.0060
                  gain AE (fine-tuned - random ELU)              +0.0317 +- 0.0369
                  gain DAE (fine-tuned - random ELU)             +0.0223 +- 0.0413
    100           random init, frozen                             0.7544 +- 0.0121
    100           random init, trained                            0.8915 +- 0.0039
    100           RBM stack, frozen                               0.9129 +- 0.0028
    100           RBM stack, fine-tuned                           0.9203 +- 0.0037
    100           random ELU init, frozen                         0.8640 +- 0.0011
    100           random ELU init, trained                        0.8823 +- 0.0056
    100           autoencoders, frozen                            0.8801 +- 0.0067
    100           autoencoders, fine-tuned                        0.8787 +- 0.0123
    100           denoising AEs, frozen                           0.8883 +- 0.0027
    100           denoising AEs, fine-tuned                       0.8836 +- 0.0203
                  gain RBM (fine-tuned - random)                 +0.0288 +- 0.0062
                  gain AE (fine-tuned - random ELU)              -0.0037 +- 0.0071
                  gain DAE (fine-tuned - random ELU)             +0.0013 +- 0.0190
    1000          random init, frozen                             0.8604 +- 0.0051
    1000          random init, trained                            0.9568 +- 0.0065
    1000          RBM stack, frozen                               0.9497 +- 0.0050
    1000          RBM stack, fine-tuned                           0.9635 +- 0.0041
    1000          random ELU init, frozen                         0.9110 +- 0.0008
    1000          random ELU init, trained                        0.9415 +- 0.0068
    1000          autoencoders, frozen                            0.9136 +- 0.0028
    1000          autoencoders, fine-tuned                        0.9401 +- 0.0041
    1000          denoising AEs, frozen                           0.9410 +- 0.0018
    1000          denoising AEs, fine-tuned                       0.9448 +- 0.0080
                  gain RBM (fine-tuned - random)                 +0.0067 +- 0.0071
                  gain AE (fine-tuned - random ELU)              -0.0014 +- 0.0081
                  gain DAE (fine-tuned - random ELU)             +0.0033 +- 0.0055

What it shows. The RBM rows are issue 10's (``--method rbm`` alone gives them exactly; they
are within 0.0005 of that issue's measurement): pretraining helps most with the fewest labels
(+5.1 points at 10 per digit, every seed; +2.9 at 100; +0.7 at 1,000, within the seed-to-seed
sd), as Erhan et al. (2010) predict for a regularizer, and a frozen random sigmoid stack is a
poor feature extractor (about chance at 10 per digit, where early stopping kept a near-initial
softmax), so the frozen RBM stack's 0.83 is what the RBMs learned. The free-energy gap of RBM 1
rises over its 5 epochs (``free_energy_gap.png``): more epochs would need that monitor watched.

The ELU networks start lower than the sigmoid ones at every budget (random, trained: 0.720 vs
0.776, 0.882 vs 0.892, 0.942 vs 0.957, with the supervised settings chosen for issue 10's
sigmoid networks and not retuned), which is why each stack is measured against the random
network of its own architecture. Against it, autoencoder pretraining pays only with 10 labels
per digit, and most when the stack stays frozen (the softmax trained on 100 images): frozen
+5.1 points for the autoencoders and +7.2 for the denoising ones over the trained random ELU
network; fine-tuned +3.2 and +2.2, but with a per-seed sd of about 4 points, not established
by 3 seeds. At 100 and 1,000 per digit fine-tuning from autoencoders is training from random
(-0.4 to +0.3 points, within the sd), as in the book's ch. 15 demo (784-300-150-10: 94.94%
without pretraining, 94.01% with). Denoising makes the better features: frozen, the denoising
stack beats the plain one at every budget (0.792 vs 0.771, 0.888 vs 0.880, 0.941 vs 0.914; at
1,000 per digit the frozen plain stack is barely above a frozen random one, 0.914 vs 0.911,
the frozen denoising stack 3 points above both), while it reconstructs clean digits worse
(test mean squared error 0.046 against 0.008; ``reconstructions.png``: bolder, brighter
strokes): it was trained on masked inputs, a quarter of their ink gone, and masking noise is
not rescaled (Vincent et al.'s corruption), so a whole digit gives its units about 4/3 of what
they saw in training. ``denoising.png`` shows it filling in the masked strokes, which the
plain autoencoder leaves fainter. After 5 epochs the first layers' filters
(``filters_autoencoder.png``, ``filters_denoising.png``) are still global, digit-sized
patterns; both stacks start from the same seed, so they look alike. The whole run in both
backends (``katas exercise pretrain --method both --backend both --json``: the defaults, 29 min
wall on the shared cores) gave the scratch column above to the last digit and a tf column that
tells the same story: gains (fine-tuned - random of the same architecture) RBM +0.037, +0.021,
+0.011; AE +0.035, +0.003, -0.012; DAE +0.017, -0.011, +0.002 at 10, 100 and 1,000 labels per
digit; frozen DAE 0.796 / 0.890 / 0.941 above frozen AE 0.778 / 0.880 / 0.915. Pretraining
seconds per seed, scratch / tf: RBMs 18.7 / 30.5, AEs 24.7 / 10.3, DAEs 23.5 / 11.5.

Output (``--out``): ``report.json`` (per backend and label count: each variant's runs and their
statistics and each stack's gain; per seed and stack the pretraining's seconds and per-layer,
per-epoch monitors: the RBMs' reconstruction error and free-energy gap, the autoencoders'
training and validation loss and the whole stack's test reconstruction error), and PNGs, the
pictures from the first seed of the first backend: ``accuracy.png`` (bars of mean test
accuracy, sd error bars, per variant and label count); per stack its first layer's filters as
28 x 28 tiles (``filters.png`` for the RBM, ``filters_autoencoder.png``,
``filters_denoising.png``); with RBMs ``gibbs.png`` (chains of the first RBM started from
validation digits, columns after 0, 1, 10, 100 and 1000 Gibbs steps) and
``free_energy_gap.png`` (mean F(valid) - mean F(train) per RBM epoch: the guide's overfitting
monitor); with autoencoders ``reconstructions.png`` (one test digit per class, above its
reconstruction by each stacked autoencoder: encoded to the top layer and decoded back),
``denoising.png`` (the same digits, clean, corrupted with the training noise, and side by side
what the first denoising autoencoder and the first plain one make of the noisy input) and
``autoencoder_loss.png`` (each autoencoder's validation loss per epoch). Exit status and folder
handling as exercise 8 (:mod:`katas.exercises.runner`): 0 ok; 1 a run diverged or the report was
written elsewhere; 2 bad flags or data (before any work: a stack's flags without its stack, a
masking rate of 1 or more, too many labels or unlabeled images).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from katas import argtypes, data
from katas.argparse_i18n import BadValue
from katas.cli_text import lang_of, pad, width
from katas.cli_text import t as tr
from katas.errors import UserError
from katas.exercises import ex08, plotting, runner
from katas.exercises.runner import fmt, stats

N_CLASSES = 10
#: The Gibbs steps after which ``gibbs.png`` shows the chains (0: the starting images).
GIBBS_STEPS = (0, 1, 10, 100, 1000)
#: ``--method``: which pretraining the run compares with random initialization.
METHODS = ("rbm", "autoencoder", "both")
NOISES = ("masking", "gaussian")


@dataclass(frozen=True)
class Settings:
    """The experiment's sizes and training settings (see the module docstring)."""

    labels: tuple[int, ...] = (10, 100, 1000)
    hidden: tuple[int, ...] = (256, 256)
    unlabeled: int | None = None  # None: the whole pool (45,000 with 1,000 labels per digit)
    rbm_epochs: int = 5
    rbm_learning_rate: float = 0.05
    rbm_batch_size: int = 100
    rbm_momentum: float = 0.5
    rbm_weight_decay: float = 1e-4
    ae_epochs: int = 5
    ae_learning_rate: float = 0.001
    ae_batch_size: int = 150
    ae_l2: float = 1e-4
    ae_tied: bool = True
    noise: str = "masking"
    noise_level: float = 0.25
    learning_rate: float = 0.003
    batch_size: int = 32
    max_epochs: int = 300
    patience: int = 15
    n_test: int | None = None  # None: the whole test split
    seeds: int = 3
    gibbs_steps: tuple[int, ...] = GIBBS_STEPS


#: ``--quick``: a smoke run (tiny subsets and networks, few epochs, 2 seeds), not a result.
QUICK = Settings(
    labels=(2, 5),
    hidden=(16, 8),
    unlabeled=300,
    rbm_epochs=2,
    ae_epochs=2,
    max_epochs=3,
    patience=2,
    n_test=200,
    seeds=2,
    gibbs_steps=(0, 1, 5),
)

#: Every variant the experiment knows, in table order, with its label. The random networks
#: come in the two architectures the stacks give: sigmoid (Glorot), as the RBMs', and ELU (He),
#: as the autoencoders'; each pretrained variant is compared with the random one of its own.
VARIANTS: dict[str, str] = {
    "random_frozen": "random init, frozen",
    "random": "random init, trained",
    "rbm_frozen": "RBM stack, frozen",
    "rbm_finetuned": "RBM stack, fine-tuned",
    "random_elu_frozen": "random ELU init, frozen",
    "random_elu": "random ELU init, trained",
    "ae_frozen": "autoencoders, frozen",
    "ae_finetuned": "autoencoders, fine-tuned",
    "dae_frozen": "denoising AEs, frozen",
    "dae_finetuned": "denoising AEs, fine-tuned",
}

#: The random variants: (hidden activation, kernel initializer) of their hidden layers.
RANDOM: dict[str, tuple[str, str]] = {
    "random_frozen": ("sigmoid", "glorot_uniform"),
    "random": ("sigmoid", "glorot_uniform"),
    "random_elu_frozen": ("elu", "he_normal"),
    "random_elu": ("elu", "he_normal"),
}


@dataclass(frozen=True)
class Stack:
    """One pretrained stack: its name, words, ``pretrain_stack`` method, its variants (frozen,
    fine-tuned) and the random variant of the same architecture it is measured against."""

    name: str
    title: str
    method: str
    frozen: str
    finetuned: str
    baseline: str


STACKS: dict[str, Stack] = {
    "rbm": Stack("rbm", "RBM", "rbm", "rbm_frozen", "rbm_finetuned", "random"),
    "autoencoder": Stack(
        "autoencoder", "autoencoder", "autoencoder", "ae_frozen", "ae_finetuned", "random_elu"
    ),
    "denoising": Stack(
        "denoising",
        "denoising autoencoder",
        "autoencoder",
        "dae_frozen",
        "dae_finetuned",
        "random_elu",
    ),
}

#: ``--method`` -> the stacks it trains.
METHOD_STACKS: dict[str, tuple[str, ...]] = {
    "rbm": ("rbm",),
    "autoencoder": ("autoencoder", "denoising"),
    "both": ("rbm", "autoencoder", "denoising"),
}


def variants_for(stacks: Sequence[str]) -> list[str]:
    """The variants a run with ``stacks`` trains, in table order: each stack's frozen and
    fine-tuned variants and the two random variants of its architecture."""
    wanted = set()
    for name in stacks:
        stack = STACKS[name]
        wanted |= {stack.frozen, stack.finetuned, stack.baseline, f"{stack.baseline}_frozen"}
    return [v for v in VARIANTS if v in wanted]


def stack_of(variant: str) -> Stack | None:
    """The stack a pretrained variant starts from (None for the random variants)."""
    for stack in STACKS.values():
        if variant in (stack.frozen, stack.finetuned):
            return stack
    return None


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True, eq=False)
class Subsets:
    """One seed's data: the nested labeled training sets and validation sets per label count,
    the unlabeled pool (pixels only) and the test set."""

    train: dict[int, tuple[np.ndarray, np.ndarray]]
    valid: dict[int, tuple[np.ndarray, np.ndarray]]
    unlabeled: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def per_digit_orders(y: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """For each digit 0..9, the row indices of that digit in a random order drawn from ``rng``
    (the first n of each are a random n-per-digit subset; nested for growing n)."""
    return [rng.permutation(np.flatnonzero(y == d)) for d in range(N_CLASSES)]


def take(orders: list[np.ndarray], n: int) -> np.ndarray:
    """The first ``n`` indices of every digit's order, sorted (the subset in split order)."""
    return np.sort(np.concatenate([order[:n] for order in orders]))


def smallest_class(y: np.ndarray) -> int:
    """The number of images of the rarest digit in ``y``."""
    return int(np.bincount(y, minlength=N_CLASSES).min())


def check_settings(settings: Settings) -> None:
    """UserError (before any work) for settings that parse but cannot work together: the noise
    is one of ``NOISES``, its level positive and, for masking (the probability that an input is
    zeroed), below 1 (a rate of 1 blanks every input)."""
    if settings.noise not in NOISES:
        raise UserError(
            f"--noise {settings.noise!r}: expected one of {', '.join(NOISES)}",
            ja=f"--noise {settings.noise!r}: {', '.join(NOISES)} のどれかを指定してください",
        )
    level = settings.noise_level
    if not (math.isfinite(level) and level > 0):
        raise UserError(
            f"--noise-level {level!r}: expected a positive number",
            ja=f"--noise-level {level!r}: 正の数を指定してください",
        )
    if settings.noise == "masking" and not level < 1:
        raise UserError(
            f"--noise-level {level:g}: masking noise zeroes each input with this probability, "
            "so expected a rate in (0, 1)",
            ja=(
                f"--noise-level {level:g}: マスキングノイズは各入力をこの確率"
                "で 0 にするため、(0, 1) の割合を指定してください"
            ),
        )


def check_sizes(split: data.Split, settings: Settings) -> None:
    """UserError (before any work) when the flags ask for more images than the split has."""
    most = max(settings.labels)
    rarest = smallest_class(split.y_train)
    if most >= rarest:
        raise UserError(
            f"--labels {most}: expected fewer labeled images per digit than the rarest digit "
            f"has in the training split ({rarest}), so that some are left unlabeled",
            ja=(
                f"--labels {most}: 数字ごとのラベル付き画像の数は、"
                f"訓練用分割で最も少ない数字の枚数 ({rarest}) より少なくして"
                "ください (ラベルなしの画像が残るように)"
            ),
        )
    pool = len(split.y_train) - N_CLASSES * most
    if settings.unlabeled is not None and settings.unlabeled > pool:
        raise UserError(
            f"--unlabeled {settings.unlabeled}: only {pool} training images are left outside "
            f"the largest labeled set ({most} per digit); give at most {pool}",
            ja=(
                f"--unlabeled {settings.unlabeled}: 最大のラベル付きセット "
                f"(数字ごとに {most} 枚) の外に残る訓練画像は {pool} "
                f"枚だけです。{pool} 以下にしてください"
            ),
        )


def subsets(split: data.Split, settings: Settings, seed: int) -> Subsets:
    """Seed ``seed``'s labeled, validation and unlabeled sets (see the module docstring)."""
    rng = np.random.default_rng([seed, 0])
    train_orders = per_digit_orders(split.y_train, rng)
    valid_orders = per_digit_orders(split.y_valid, rng)
    cap = smallest_class(split.y_valid)
    train, valid = {}, {}
    for n in settings.labels:
        i = take(train_orders, n)
        j = take(valid_orders, min(n, cap))
        train[n] = (split.x_train[i], split.y_train[i])
        valid[n] = (split.x_valid[j], split.y_valid[j])
    labeled = take(train_orders, max(settings.labels))
    pool = np.setdiff1d(np.arange(len(split.y_train)), labeled)
    pool = rng.permutation(pool)[: settings.unlabeled]
    x_test, y_test = split.x_test, split.y_test
    if settings.n_test is not None:
        x_test, y_test = x_test[: settings.n_test], y_test[: settings.n_test]
    return Subsets(train, valid, split.x_train[pool], x_test, y_test)


def load_split(path: str | None) -> data.Split:
    """The book's 55k / 5k / 10k split, float32 pixels in [0, 1]."""
    return data.book_split(data.load_mnist(path))


def first_of_each_digit(y: np.ndarray) -> np.ndarray:
    """The row index of the first image of each digit 0..9 in ``y`` (those present)."""
    return np.array([int(np.flatnonzero(y == d)[0]) for d in range(N_CLASSES) if (y == d).any()])


# ------------------------------------------------------------------------------ models


def backend_module(name: str) -> Any:
    """``scratch`` or ``tf_ref`` with the training modules and ``pretraining`` imported."""
    import importlib

    backend = ex08.backend_module(name)
    importlib.import_module(f"{backend.__name__}.pretraining")
    return backend


def rbm_options(settings: Settings) -> dict[str, Any]:
    """The ``BernoulliRBM`` arguments every RBM of the stack shares."""
    return {
        "method": "cd",
        "learning_rate": settings.rbm_learning_rate,
        "batch_size": settings.rbm_batch_size,
        "n_iter": settings.rbm_epochs,
        "momentum": settings.rbm_momentum,
        "weight_decay": settings.rbm_weight_decay,
    }


def autoencoder_options(settings: Settings, denoising: bool) -> dict[str, Any]:
    """The ``Autoencoder`` arguments every layer's autoencoder shares (book ch. 15): ELU, He
    initialization (the Autoencoder's), l2 on the encoder's kernel, mean squared error against
    the clean input (the book's loss; also the only one of the library's reconstruction losses
    that fits the unbounded ELU codings the second autoencoder reconstructs), Adam; the
    denoising ones add the noise layer (input only)."""
    options: dict[str, Any] = {
        "activation": "elu",
        "tied": settings.ae_tied,
        "l2": settings.ae_l2,
        "loss": "mean_squared_error",
        "optimizer": "adam",
        "learning_rate": settings.ae_learning_rate,
        "batch_size": settings.ae_batch_size,
        "epochs": settings.ae_epochs,
    }
    if denoising:
        options.update(noise=settings.noise, noise_level=settings.noise_level)
    return options


def stack_options(stack: str, settings: Settings) -> dict[str, Any]:
    """``pretrain_stack``'s keyword arguments for one stack: its method and its learner's."""
    if stack == "rbm":
        return {"method": "rbm", "rbm": rbm_options(settings)}
    return {
        "method": "autoencoder",
        "autoencoder": autoencoder_options(settings, denoising=stack == "denoising"),
    }


def pretrain(
    backend: Any,
    stack: str,
    x_unlabeled: np.ndarray,
    x_valid: np.ndarray,
    settings: Settings,
    seed: int,
) -> tuple[list[Any], list[Any], float]:
    """One stack of one seed (``pretraining.pretrain_stack``, greedy, layer k on the cached
    outputs of the frozen layers below): (models, per-layer histories, wall seconds)."""
    start = time.perf_counter()
    models, histories = backend.pretraining.pretrain_stack(
        x_unlabeled,
        settings.hidden,
        x_valid=x_valid,
        random_state=seed,
        **stack_options(stack, settings),
    )
    return list(models), list(histories), time.perf_counter() - start


def network(
    backend: Any,
    variant: str,
    stacks: dict[str, list[Any]],
    settings: Settings,
    rng: np.random.Generator,
) -> Any:
    """The ``variant``'s network: Dense layers of ``settings.hidden`` units, random (sigmoid
    with Glorot or ELU with He initialization, from ``rng``) or a pretrained stack's
    (``pretraining.dbn_classifier`` for the RBMs, ``pretraining.pretrained_classifier`` for the
    autoencoders: their encoders' ELU and weights), frozen or not, and a new 10-way linear
    output (the logits)."""
    frozen = variant.endswith("frozen")
    stack = stack_of(variant)
    if stack is not None:
        build = (
            backend.pretraining.dbn_classifier
            if stack.method == "rbm"
            else backend.pretraining.pretrained_classifier
        )
        return build(stacks[stack.name], N_CLASSES, freeze=frozen, rng=rng, dtype="float32")
    activation, initializer = RANDOM[variant]
    hidden = [
        backend.layers.Dense(
            units, activation, kernel_initializer=initializer, name=f"hidden{i + 1}"
        )
        for i, units in enumerate(settings.hidden)
    ]
    model = backend.models.Sequential(
        [*hidden, backend.layers.Dense(N_CLASSES, name="logits")], 784, rng=rng, dtype="float32"
    )
    if frozen:
        backend.reuse.freeze(model.layers[:-1])
    return model


def train(
    backend: Any,
    backend_name: str,
    model: Any,
    train_xy: tuple[np.ndarray, np.ndarray],
    valid_xy: tuple[np.ndarray, np.ndarray],
    test_xy: tuple[np.ndarray, np.ndarray],
    settings: Settings,
    rng: np.random.Generator,
    frozen: bool,
    device: str,
) -> dict[str, Any]:
    """One ``fit`` (Adam, early stopping on the validation loss, best weights kept), then the
    test set: the record of one run."""
    extra: dict[str, Any] = {"device": device} if backend_name == "tf" else {}
    x, y = train_xy
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        history = backend.training.fit(
            model,
            x,
            y,
            optimizer=backend.optimizers.Adam(learning_rate=settings.learning_rate),
            epochs=settings.max_epochs,
            batch_size=min(settings.batch_size, len(y)),
            validation_data=valid_xy,
            early_stopping=backend.training.EarlyStopping(patience=settings.patience),
            rng=rng,
            verbose=False,
            cache_frozen=frozen,
            **extra,
        )
        seconds = time.perf_counter() - start
        test = backend.training.evaluate(model, *test_xy)
        valid = backend.training.evaluate(model, *valid_xy)
    best = history.best_epoch
    return {
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "val_accuracy": valid["accuracy"],
        "val_loss": valid["loss"],
        "seconds": seconds,
        "epochs": history.epochs,
        "best_epoch": None if best is None else best + 1,
        "diverged_at_epoch": ex08.first_non_finite_epoch(history),
        "history": {k: v for k, v in history.history.items() if k != "seconds"},
    }


def epoch_values(history: Any, key: str) -> list[float]:
    """One layer's per-epoch ``key`` values from its history (a list of per-epoch dicts, a
    dict of lists or an object with such a ``history`` dict, as ``training.History``); []
    when it was not recorded."""
    if hasattr(history, "history") and isinstance(history.history, dict):
        history = history.history
    if isinstance(history, dict):
        return [float(v) for v in history.get(key, [])]
    return [float(epoch[key]) for epoch in history if key in epoch]


def gibbs_chains(rbm: Any, start: np.ndarray, steps: Sequence[int]) -> list[np.ndarray]:
    """The chains of ``rbm.gibbs`` started at ``start`` (n, D), after each of ``steps`` (sorted,
    0 = the start): a list of (n, D) arrays."""
    out, v, done = [], start, 0
    for target in steps:
        for _ in range(target - done):
            v = rbm.gibbs(v)
        done = target
        out.append(np.asarray(v, dtype=np.float64))
    return out


def stack_reconstruct(models: Sequence[Any], x: np.ndarray) -> np.ndarray:
    """The stacked autoencoder's reconstruction of x (n, D): encode through every layer's
    autoencoder (``transform``, inference mode: no noise), then decode back down in the mirror
    order (``inverse_transform``), as the stacked network assembled from the greedy phases
    computes it. float64 (n, D)."""
    h = x
    for model in models:
        h = np.asarray(model.transform(h))
    for model in reversed(models):
        h = np.asarray(model.inverse_transform(h))
    return np.asarray(h, dtype=np.float64)


def corrupt(x: np.ndarray, kind: str, level: float, rng: np.random.Generator) -> np.ndarray:
    """A corrupted copy of x, with the noise the denoising autoencoders trained with
    (``scratch.noise.denoising_batch``, the draws from ``rng``)."""
    from scratch import noise

    draw = rng.standard_normal(x.shape) if kind == "gaussian" else rng.random(x.shape)
    inputs, _ = noise.denoising_batch(x, kind, level, draw.astype(x.dtype))
    return np.asarray(inputs)


def stack_record(
    stack: str, models: list[Any], histories: list[Any], seconds: float, sets: Subsets
) -> dict[str, Any]:
    """What the report keeps of one pretrained stack: its wall time and per-layer, per-epoch
    monitors (RBMs: reconstruction error and free-energy gap; autoencoders: training and
    validation loss, and the whole stack's mean squared reconstruction error on the test set)."""
    if stack == "rbm":
        return {
            "seconds": seconds,
            "free_energy_gap": [epoch_values(h, "free_energy_gap") for h in histories],
            "reconstruction_error": [epoch_values(h, "reconstruction_error") for h in histories],
        }
    out = stack_reconstruct(models, sets.x_test)
    return {
        "seconds": seconds,
        "loss": [epoch_values(h, "loss") for h in histories],
        "val_loss": [epoch_values(h, "val_loss") for h in histories],
        "test_reconstruction_mse": float(np.mean((out - sets.x_test) ** 2)),
    }


def figure_arrays(
    models: dict[str, list[Any]],
    sets: Subsets,
    split: data.Split,
    settings: Settings,
    seed: int,
) -> dict[str, Any]:
    """The arrays the PNGs show, from one seed's stacks: each stack's first-layer filters; the
    first RBM's Gibbs chains from validation digits; test digits (one per digit) and their
    stacked autoencoders' reconstructions; the same digits corrupted with the training noise
    (drawn from ``[seed, 2]``) and what the first denoising autoencoder (and, beside it, the
    first plain one) makes of them."""
    figures: dict[str, Any] = {
        "filters": {
            name: np.asarray(stack[0].components_, dtype=np.float64)
            for name, stack in models.items()
        }
    }
    if "rbm" in models:
        starts = split.x_valid[first_of_each_digit(split.y_valid)]
        figures["gibbs"] = gibbs_chains(models["rbm"][0], starts, settings.gibbs_steps)
    autoencoders = [name for name in ("autoencoder", "denoising") if name in models]
    if autoencoders:
        digits = sets.x_test[first_of_each_digit(sets.y_test)]
        figures["reconstructions"] = {
            "original": np.asarray(digits, dtype=np.float64),
            **{name: stack_reconstruct(models[name], digits) for name in autoencoders},
        }
    if "denoising" in models:
        noisy = corrupt(
            digits, settings.noise, settings.noise_level, np.random.default_rng([seed, 2])
        )
        figures["denoising"] = {
            "clean": np.asarray(digits, dtype=np.float64),
            "noisy": np.asarray(noisy, dtype=np.float64),
            **{
                name: np.asarray(models[name][0].reconstruct(noisy), dtype=np.float64)
                for name in ("denoising", "autoencoder")
                if name in models
            },
        }
    return figures


def run_backend(
    backend_name: str,
    split: data.Split,
    settings: Settings,
    stacks: Sequence[str],
    seeds: list[int],
    device: str,
    verbose: bool,
) -> dict[str, Any]:
    """Every seed of one backend: each stack pretrained once per seed (the same stack serves
    every label count), then every label count and variant. The first seed's stacks give the
    figures. Variant ``k`` (its index in ``VARIANTS``) of seed ``s`` at ``n`` labels per digit
    draws its initialization and batches from ``[s, 1, n, k]``, whichever variants run."""
    backend = backend_module(backend_name)
    variants = variants_for(stacks)
    runs = {n: {v: [] for v in variants} for n in settings.labels}
    pretraining: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    for seed in seeds:
        sets = subsets(split, settings, seed)
        models: dict[str, list[Any]] = {}
        record: dict[str, Any] = {"seed": seed, "n_unlabeled": len(sets.unlabeled), "stacks": {}}
        for name in stacks:
            models[name], histories, seconds = pretrain(
                backend, name, sets.unlabeled, split.x_valid, settings, seed
            )
            record["stacks"][name] = stack_record(name, models[name], histories, seconds, sets)
            if verbose:
                print(
                    tr(lang_of(), "pre_stack", backend=backend_name, seed=seed,
                       title=STACKS[name].title, hidden=settings.hidden, n=len(sets.unlabeled),
                       seconds=seconds),
                    file=sys.stderr,
                )  # fmt: skip
        pretraining.append(record)
        if not figures:
            figures = figure_arrays(models, sets, split, settings, seed)
        for n in settings.labels:
            for variant in variants:
                rng = np.random.default_rng([seed, 1, n, list(VARIANTS).index(variant)])
                model = network(backend, variant, models, settings, rng)
                result = train(
                    backend,
                    backend_name,
                    model,
                    sets.train[n],
                    sets.valid[n],
                    (sets.x_test, sets.y_test),
                    settings,
                    rng,
                    variant.endswith("frozen"),
                    device,
                )
                runs[n][variant].append({"seed": seed, **result})
                if verbose:
                    print(
                        tr(lang_of(), "pre_run", backend=backend_name, seed=seed, n=n,
                           variant=variant, test=result["test_accuracy"],
                           epochs=result["epochs"], seconds=result["seconds"]),
                        file=sys.stderr,
                    )  # fmt: skip
    return summarize(backend_name, runs, stacks, pretraining, figures)


def gain(
    variants: dict[str, list[dict[str, Any]]], entry: dict[str, Any], stack: Stack
) -> dict[str, Any]:
    """A stack's gain at one label count: its fine-tuned variant's mean test accuracy minus
    its random baseline's, and the statistics of the per-seed (paired) differences."""
    tuned = entry[stack.finetuned]["test_accuracy"]["mean"]
    base = entry[stack.baseline]["test_accuracy"]["mean"]
    pairs = zip(variants[stack.finetuned], variants[stack.baseline], strict=True)
    return {
        "variant": stack.finetuned,
        "baseline": stack.baseline,
        "mean_difference": None if tuned is None or base is None else tuned - base,
        "paired": stats([a["test_accuracy"] - b["test_accuracy"] for a, b in pairs]),
    }


def summarize(
    backend_name: str,
    runs: dict[int, dict[str, list[dict[str, Any]]]],
    stacks: Sequence[str],
    pretraining: list[dict[str, Any]],
    figures: dict[str, Any],
) -> dict[str, Any]:
    """One backend's report: per label count and variant the runs and their statistics, per
    stack the gain of pretraining (fine-tuned minus the random variant of the same
    architecture), the pretraining records; ``_figures`` holds arrays for the PNGs (removed
    before the report is written)."""
    out: dict[str, Any] = {"labels": {}, "pretraining": pretraining}
    diverged = []
    for n, variants in runs.items():
        entry: dict[str, Any] = {}
        for name, rs in variants.items():
            diverged += [
                f"{n}/digit {name} seed {r['seed']}"
                for r in rs
                if r["diverged_at_epoch"] is not None
            ]
            entry[name] = {
                "label": VARIANTS[name],
                **{
                    key: stats([r[key] for r in rs])
                    for key in ("test_accuracy", "val_accuracy", "seconds", "epochs")
                },
                "runs": rs,
            }
        entry["gains"] = {name: gain(variants, entry, STACKS[name]) for name in stacks}
        out["labels"][str(n)] = entry
    out["pretraining_seconds"] = {
        name: stats([p["stacks"][name]["seconds"] for p in pretraining]) for name in stacks
    }
    out["status"] = "diverged" if diverged else "ok"
    out["message"] = (
        f"{backend_name}: training diverged (loss not finite) in {', '.join(diverged)}"
        if diverged
        else None
    )
    if diverged:  # printed in Japanese, never saved (runner.finish)
        out["message_ja"] = (
            f"{backend_name}: {', '.join(diverged)} で訓練が発散しました (損失が有限ではありません)"
        )
    out["_figures"] = figures
    return out


# ----------------------------------------------------------------------------- figures


def plot_accuracy(report: dict[str, Any], backends: list[str], folder: Path) -> Path:
    """``accuracy.png``: one group of bars per variant, one bar per backend and label count at
    its mean test accuracy, sd error bars."""
    labels, variants = report["config"]["labels"], report["config"]["variants"]
    series = {}
    for name in backends:
        for n in labels:
            cells = [report[name]["labels"][str(n)][v]["test_accuracy"] for v in variants]
            series[f"{name} {n}/digit"] = ([c["mean"] for c in cells], [c["sd"] for c in cells])
    return plotting.bars(
        [VARIANTS[v] for v in variants],
        series,
        [None] * len(variants),
        folder / "accuracy.png",
        f"Few labels, MNIST test accuracy, mean +- sd over {len(report['config']['seeds'])} seeds",
    )


def plot_filters(filters: np.ndarray, folder: Path, stack: str, backend_name: str) -> Path:
    """``filters.png`` (the first RBM's weight rows) or ``filters_<stack>.png`` (the first
    autoencoder's encoder kernel columns, ``components_``): up to 100 as 28 x 28 tiles."""
    key = filter_key(stack)
    return plotting.tiles(
        filters[:100],
        folder / f"{key}.png",
        f"First {STACKS[stack].title}'s filters ({backend_name}; {len(filters)} hidden units, "
        "first 100 shown)",
        columns=10,
        symmetric=True,
    )


def filter_key(stack: str) -> str:
    """The report's file key (and PNG name) of a stack's filters: "filters" for the RBM's."""
    return "filters" if stack == "rbm" else f"filters_{stack}"


def plot_gibbs(chains: list[np.ndarray], steps: Sequence[int], folder: Path) -> Path:
    """``gibbs.png``: one row per chain (a validation digit 0..9), one column per step count."""
    grid = np.stack(chains, axis=1).reshape(-1, chains[0].shape[1])  # row-major: chain, step
    return plotting.tiles(
        grid,
        folder / "gibbs.png",
        "Gibbs chains of the first RBM; columns: after " + ", ".join(map(str, steps)) + " steps",
        columns=len(steps),
    )


def plot_reconstructions(rows: dict[str, np.ndarray], folder: Path, backend_name: str) -> Path:
    """``reconstructions.png``: test digits (top row) above their reconstructions by each
    stacked autoencoder (one row per stack, encoded to the top layer and decoded back)."""
    names = list(rows)
    grid = np.concatenate([rows[name] for name in names])
    words = ", ".join(["original"] + [STACKS[name].title + " stack" for name in names[1:]])
    return plotting.tiles(
        grid,
        folder / "reconstructions.png",
        f"Test digits and their reconstructions ({backend_name}); rows: {words}",
        columns=len(rows["original"]),
    )


def plot_denoising(
    columns: dict[str, np.ndarray], folder: Path, settings: dict[str, Any], backend_name: str
) -> Path:
    """``denoising.png``: for each test digit, side by side: the clean digit, the noisy input,
    the first denoising autoencoder's output from it (and the first plain autoencoder's, for
    comparison); two digits per row."""
    names = list(columns)
    digits = np.stack([columns[name] for name in names], axis=1)  # (digit, stage, D)
    if len(digits) % 2:  # pad to pairs of digits with blank tiles
        digits = np.concatenate([digits, np.zeros_like(digits[:1])])
    words = {"denoising": "DAE 1", "autoencoder": "AE 1"}
    return plotting.tiles(
        digits.reshape(-1, digits.shape[-1]),
        folder / "denoising.png",
        f"{settings['noise']} noise {settings['noise_level']:g} ({backend_name}): "
        + " | ".join(words.get(name, name) for name in names),
        columns=2 * len(names),
    )


def plot_gap(report: dict[str, Any], backends: list[str], folder: Path) -> Path:
    """``free_energy_gap.png``: mean F(valid) - mean F(train) per epoch, one line per backend,
    seed and RBM."""
    lines = []
    for name in backends:
        for p in report[name]["pretraining"]:
            for layer, gaps in enumerate(p["stacks"]["rbm"]["free_energy_gap"]):
                if gaps:
                    lines.append((f"{name} seed {p['seed']} RBM {layer + 1}", gaps))
    return plotting.epoch_lines(
        lines,
        folder / "free_energy_gap.png",
        "Free-energy gap (validation - training): it grows when an RBM overfits",
        ylabel="mean F(valid) - mean F(train)",
    )


def plot_autoencoder_loss(report: dict[str, Any], backends: list[str], folder: Path) -> Path:
    """``autoencoder_loss.png``: each autoencoder's validation reconstruction loss per epoch,
    one line per backend, seed, stack and layer."""
    lines = []
    for name in backends:
        for p in report[name]["pretraining"]:
            for stack in ("autoencoder", "denoising"):
                if stack in p["stacks"]:
                    for layer, values in enumerate(p["stacks"][stack]["val_loss"]):
                        if values:
                            short = "DAE" if stack == "denoising" else "AE"
                            lines.append((f"{name} seed {p['seed']} {short} {layer + 1}", values))
    return plotting.epoch_lines(
        lines,
        folder / "autoencoder_loss.png",
        "Autoencoders' validation loss (inference mode: MSE against the input, + l2 penalty)",
        ylabel="validation loss",
    )


def figures_for(report: dict[str, Any], backends: list[str], kept: dict[str, Any]) -> list:
    """The report's figures (runner.Figure list); the pictures of the stacks from the first
    backend."""
    first = backends[0]
    config = report["config"]
    arrays = kept[first]
    figures: list = [("accuracy", lambda folder: plot_accuracy(report, backends, folder))]
    for stack in config["stacks"]:
        figures.append(
            (
                filter_key(stack),
                lambda folder, s=stack: plot_filters(arrays["filters"][s], folder, s, first),
            )
        )
    if "gibbs" in arrays:
        steps = config["gibbs_steps"]
        figures.append(("gibbs", lambda folder: plot_gibbs(arrays["gibbs"], steps, folder)))
        figures.append(("free_energy_gap", lambda folder: plot_gap(report, backends, folder)))
    if "reconstructions" in arrays:
        figures.append(
            (
                "reconstructions",
                lambda folder: plot_reconstructions(arrays["reconstructions"], folder, first),
            )
        )
        figures.append(
            ("autoencoder_loss", lambda folder: plot_autoencoder_loss(report, backends, folder))
        )
    if "denoising" in arrays:
        figures.append(
            (
                "denoising",
                lambda folder: plot_denoising(arrays["denoising"], folder, config, first),
            )
        )
    return figures


# ----------------------------------------------------------------------------- table


SHORT = {"rbm": "RBM", "autoencoder": "AE", "denoising": "DAE"}


def _cell(mean: float | None, sd: float | None, spec: str) -> str:
    """One backend's column of the table: ``mean +- sd``, the means aligned."""
    return f"{fmt(mean, spec):>18} +- {fmt(sd, '.4f'):<6}"


def print_table(report: dict[str, Any], backends: list[str]) -> None:
    """The table: label count, variant, per backend mean +- sd test accuracy; per stack the
    gain of fine-tuning it over the random network of its architecture: the difference of the
    means +- the sd of the per-seed differences."""
    config = report["config"]
    lang = lang_of()
    wl = max(14, width(tr(lang, "pre_col_labels")) + 1)
    head = pad(tr(lang, "pre_col_labels"), wl) + pad(tr(lang, "ex_col_variant"), 36)
    head += "".join(pad(tr(lang, "pre_col_test", backend=name), 28, True) for name in backends)
    print(head)
    for n in config["labels"]:
        for v in config["variants"]:
            row = f"{n:<{wl}}{VARIANTS[v]:<36}"
            for name in backends:
                acc = report[name]["labels"][str(n)][v]["test_accuracy"]
                row += _cell(acc["mean"], acc["sd"], ".4f")
            print(row.rstrip())
        for stack in config["stacks"]:
            random_elu = STACKS[stack].baseline == "random_elu"
            base = tr(lang, "pre_random_elu" if random_elu else "pre_random")
            row = " " * wl + pad(tr(lang, "pre_gain", short=SHORT[stack], base=base), 36)
            for name in backends:
                g = report[name]["labels"][str(n)]["gains"][stack]
                row += _cell(g["mean_difference"], g["paired"]["sd"], "+.4f")
            print(row.rstrip())
    for name in backends:
        seconds = report[name]["pretraining_seconds"]
        parts = [
            tr(
                lang,
                "pre_seconds_part",
                title=STACKS[s].title,
                seconds=fmt(seconds[s]["mean"], ".1f"),
            )
            for s in seconds
        ]
        print(tr(lang, "pre_seconds", backend=name, parts=", ".join(parts)))
    files = report["files"]
    listed = ", ".join(f"{k} {v}" for k, v in files.items() if k != "problem")
    print(tr(lang, "pre_files", files=listed))


# ----------------------------------------------------------------------------- flags and entry


def label_counts(text: str) -> tuple[int, ...]:
    """``--labels``: comma-separated positive integers (labeled images per digit), sorted."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [argtypes.positive_int(p) for p in parts]
    except argparse.ArgumentTypeError:
        raise BadValue(
            f"expected comma-separated positive integers (labeled images per digit), e.g. "
            f"10,100,1000, got {text!r}",
            ja=(
                "カンマ区切りの正の整数 (数字ごとのラベル付き画像の数)"
                f" を指定してください (例: 10,100,1000)。{text!r} "
                "が渡されました"
            ),
        ) from None
    return tuple(sorted(set(values)))


def hidden_sizes(text: str) -> tuple[int, ...]:
    """``--hidden``: comma-separated positive integers (units per hidden layer), in order."""
    try:
        return tuple(argtypes.positive_int(p.strip()) for p in text.split(","))
    except argparse.ArgumentTypeError:
        raise BadValue(
            f"expected comma-separated positive integers (units per hidden layer), e.g. "
            f"256,256, got {text!r}",
            ja=(
                "カンマ区切りの正の整数 (隠れ層ごとのユニット数)"
                f" を指定してください (例: 256,256)。{text!r} が渡されました"
            ),
        ) from None


def penalty(text: str) -> float:
    """``--ae-l2``: a finite number >= 0 (0: no penalty)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise BadValue(
            f"expected a finite number >= 0, got {text!r}",
            ja=f"0 以上の有限の数を指定してください。{text!r} が渡されました",
        )
    return value


#: The flags that only one kind of stack uses, and the --method values that train it.
RBM_FLAGS = ("rbm_epochs",)
AE_FLAGS = ("ae_epochs", "ae_learning_rate", "ae_l2", "ae_tied", "noise", "noise_level")
SETTING_FLAGS = (
    "labels",
    "hidden",
    "unlabeled",
    *RBM_FLAGS,
    *AE_FLAGS,
    "max_epochs",
    "patience",
    "learning_rate",
    "seeds",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """``katas exercise pretrain ...``: this experiment's sub-command and its flags."""
    p = subparsers.add_parser(
        "pretrain",
        help="unsupervised pretraining (RBMs, autoencoders, denoising autoencoders) with few "
        "labels: random vs pretrained, frozen vs fine-tuned",
        description="MNIST with a few labels per digit, the rest unlabeled: greedy stacks of "
        "RBMs, autoencoders and denoising autoencoders pretrained on the unlabeled images "
        "against random initialization, frozen and fine-tuned; mean and sd over several seeds; "
        "PNGs of the filters, Gibbs chains, free-energy gap, reconstructions and denoised "
        "digits.",
    )
    p.add_argument(
        "--method",
        choices=METHODS,
        default="both",
        help="the pretraining compared with random initialization: rbm, autoencoder (plain and "
        "denoising) or both (default)",
    )
    runner.add_common_flags(
        p,
        backend="scratch",
        seed_help="first seed (default 42)",
        quick_help="tiny subsets and networks: a smoke run",
        out_help="where report.json and the PNGs go (a new or empty folder; default: "
        "katas-runs/pretrain-<method>-<time>)",
    )
    p.add_argument(
        "--labels",
        type=label_counts,
        default=None,
        metavar="N,N,...",
        help="labeled training images per digit (default 10,100,1000; --quick: 2,5)",
    )
    p.add_argument(
        "--hidden",
        type=hidden_sizes,
        default=None,
        metavar="H,H,...",
        help="hidden layers (one RBM or autoencoder each; default 256,256)",
    )
    p.add_argument(
        "--unlabeled",
        type=argtypes.positive_int,
        default=None,
        metavar="N",
        help="unlabeled images the stacks train on (default: every training image outside the "
        "labeled sets, 45,000 with 1,000 labels per digit)",
    )
    p.add_argument("--rbm-epochs", type=argtypes.positive_int, default=None)
    p.add_argument(
        "--ae-epochs",
        type=argtypes.positive_int,
        default=None,
        help=f"epochs of each autoencoder (default {Settings.ae_epochs})",
    )
    p.add_argument(
        "--ae-learning-rate",
        type=argtypes.positive_float,
        default=None,
        help=f"the autoencoders' Adam learning rate (default {Settings.ae_learning_rate:g})",
    )
    p.add_argument(
        "--ae-l2",
        type=penalty,
        default=None,
        help=f"l2 on the encoders' kernels (default {Settings.ae_l2:g}; 0: none)",
    )
    p.add_argument(
        "--ae-tied",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="decoder kernel = encoder kernel transposed (default: tied)",
    )
    p.add_argument(
        "--noise",
        choices=NOISES,
        default=None,
        help=f"the denoising autoencoders' input noise (default {Settings.noise})",
    )
    p.add_argument(
        "--noise-level",
        type=argtypes.positive_float,
        default=None,
        help="masking: the rate of inputs zeroed, in (0, 1); gaussian: the standard deviation "
        f"(default {Settings.noise_level:g})",
    )
    runner.add_training_flags(
        p,
        seeds_help=f"seeds (default {Settings.seeds}; --quick: {QUICK.seeds})",
        learning_rate_help="Adam's, for the supervised training",
    )
    p.set_defaults(handler=run)


def check_method_flags(args: argparse.Namespace) -> None:
    """UserError (before any work) for a stack's flag given to a run without that stack."""
    stacks = METHOD_STACKS[args.method]
    unused = []
    if "rbm" not in stacks:
        unused += [f for f in RBM_FLAGS if getattr(args, f) is not None]
    if "autoencoder" not in stacks:
        unused += [f for f in AE_FLAGS if getattr(args, f) is not None]
    if unused:
        flags = ", ".join("--" + f.replace("_", "-") for f in unused)
        raise UserError(
            f"{flags}: not used with --method {args.method} (it trains "
            f"{' and '.join(STACKS[s].title + 's' for s in stacks)} only); drop the flag or give "
            "another --method",
            ja=(
                f"{flags}: --method {args.method} では使いません "
                f"({'と'.join(STACKS[s].title for s in stacks)} "
                "だけを訓練します)。オプションを外すか、別の --method "
                "を指定してください"
            ),
        )


def settings_from(args: argparse.Namespace) -> Settings:
    """The run's settings: the defaults (or QUICK) with the flags given."""
    return runner.settings_from(args, Settings(), QUICK, SETTING_FLAGS)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``katas exercise pretrain``: 0 success, 1 diverged or results written
    elsewhere, UserError (exit 2) for bad flags or data (before any training)."""
    check_method_flags(args)
    settings = settings_from(args)
    check_settings(settings)
    seeds = runner.seed_list(args.seed, settings.seeds)
    backends = runner.backend_names(args.backend)
    kept: dict[str, Any] = {}
    report, out = runner.run_in_folder(
        args.out,
        f"pretrain-{args.method}",
        lambda: _train_all(args, settings, seeds, backends, kept),
    )
    return runner.finish(
        report,
        out,
        figures_for(report, backends, kept),
        f"katas-pretrain-{args.method}-",
        json_output=args.json,
        backends=backends,
        print_table=lambda r: print_table(r, backends),
    )


def _train_all(
    args: argparse.Namespace,
    settings: Settings,
    seeds: list[int],
    backends: list[str],
    kept: dict[str, Any],
) -> dict[str, Any]:
    split = load_split(args.data)
    check_sizes(split, settings)
    stacks = METHOD_STACKS[args.method]
    verbose = not args.json
    report: dict[str, Any] = {}
    for name in backends:
        if verbose:
            print(
                tr(lang_of(), "pre_start", backend=name,
                   labels=", ".join(map(str, settings.labels)), seeds=len(seeds),
                   hidden=settings.hidden, stacks=", ".join(STACKS[s].title for s in stacks)),
                file=sys.stderr,
            )  # fmt: skip
        report[name] = run_backend(name, split, settings, stacks, seeds, args.device, verbose)
        kept[name] = report[name].pop("_figures")
    config: dict[str, Any] = {
        "experiment": "pretrain",
        "method": args.method,
        "stacks": list(stacks),
        **asdict(settings),
        "seeds": seeds,
        "optimizer": "adam (a new one per run)",
        "early_stopping": "val_loss, best weights restored",
        "quick": args.quick,
        "variants": variants_for(stacks),
        "variant_labels": {v: VARIANTS[v] for v in variants_for(stacks)},
        "n_test": len(split.y_test) if settings.n_test is None else settings.n_test,
    }
    if "rbm" in stacks:
        config["rbm"] = {
            **rbm_options(settings),
            "about": "CD-1 (method='cd'), momentum and weight decay on the weights",
        }
    if "autoencoder" in stacks:
        config["autoencoder"] = autoencoder_options(settings, denoising=False)
        config["denoising_autoencoder"] = autoencoder_options(settings, denoising=True)
    report["config"] = config
    report["status"] = runner.overall_status(report, backends)
    return report
