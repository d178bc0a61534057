"""tf_ref: the TensorFlow 2 / Keras 3 oracle that mirrors ``scratch`` module for module.

Same public names and signatures as ``scratch`` where the frameworks allow; arrays go in and
come out as NumPy so tests compare the two directly. The maths here is TensorFlow's own (Keras
layers, initializers, optimizers and ``tf.GradientTape``), never scratch's: an oracle that shared
code with what it checks would prove nothing. Plumbing (input checks, batching order, early
stopping, checkpoint files) is shared.

GPU runs go through this path: TensorFlow places work on a GPU when it sees one
(see ``tf_ref.device``).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
