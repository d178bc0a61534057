"""A local model zoo: named, versioned trained models, verified on every load.

One job per module:

* :mod:`katas.zoo.store`: the folder layout (``$DNN_KATAS_ZOO``, else ``zoo/`` in the MNIST
  cache folder), manifests, checksums, versions, atomic writes and verified loads
  (:func:`~katas.zoo.store.load` -> ``(model, manifest)`` in either backend);
* :mod:`katas.zoo.recipes`: named training recipes (``mnist-0-4``) and
  :func:`~katas.zoo.recipes.ensure`, which trains a recipe on first use;
* :mod:`katas.zoo.keras_file`: ``.keras`` export and import (Keras' safe mode);
* :mod:`katas.zoo.cli`: ``katas zoo list | show | train | export | import | remove``.

Only the CLI's registration is imported here, so ``katas --help`` loads neither NumPy-heavy
training code nor TensorFlow.
"""

from katas.zoo.cli import register

__all__ = ["register"]
