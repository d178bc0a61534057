"""tf_ref: the TensorFlow 2 / Keras 3 oracle that mirrors ``scratch`` module for module.

Same public names and signatures as ``scratch`` where the frameworks allow; arrays go in and
come out as NumPy so tests compare the two directly. The maths here is TensorFlow's own (Keras
layers, initializers, optimizers and ``tf.GradientTape``), never scratch's: an oracle that shared
code with what it checks would prove nothing. Plumbing (input checks, batching order, early
stopping, checkpoint files) is shared.

GPU runs go through this path: TensorFlow places work on a GPU when it sees one
(see ``tf_ref.device``).
"""

import contextlib
import os
import sys
from collections.abc import Iterator

# TensorFlow's C++ start-up lines ("All log messages before absl::InitializeLog() ...", the
# oneDNN notice, CPU feature hints, "Could not find cuda drivers") are written to file
# descriptor 2 while the library loads, twice (two shared libraries each log once), before
# TF_CPP_MIN_LOG_LEVEL is consulted. They say nothing a learner can act on and bury the output
# that matters, so the import below runs with descriptor 2 pointed at /dev/null. Python errors
# are exceptions, not descriptor-2 writes: a failing import still raises as usual. Later C++
# messages obey the level set here (2: errors only), unless the user chose another level.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable descriptor 2: nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


with _native_stderr_silenced():
    import keras  # noqa: F401  (loads TensorFlow as its backend)
    import tensorflow

    # Listing the GPUs initialises TensorFlow's CUDA platform now, inside the silence: on a
    # machine without a GPU that logs "failed call to cuInit" as an error line, which says only
    # that there is no GPU. (It does not start the runtime, so logical devices can still be
    # configured; a GPU that TF cannot use is still explained by tf_ref.device.)
    tensorflow.config.list_physical_devices("GPU")
