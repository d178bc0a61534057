"""Kata 19: reusing the lower layers, replacing the top. Run `katas check replace_top`."""


def replace_top(weights, n_reuse, new_units, rng=None, initializer="glorot_uniform"):
    """The weights of a new net built on a trained one.

    weights: the trained net, [(kernel_1, bias_1), ..., (kernel_L, bias_L)], kernel_k of shape
    (D_{k-1}, D_k), bias_k (D_k,). Keep COPIES of the lower n_reuse layers (0 <= n_reuse <= L),
    drop the layers above them, and add one new layer per width in new_units (an int is one new
    output layer; a list such as [50, 5] adds a hidden layer and an output layer):

        fan_in = the width below the new layer (D_{n_reuse}; D_0, the input width, if n_reuse = 0;
                 for the next new layer, the previous new layer's width)
        kernel = initializers.get(initializer)((fan_in, units), rng, dtype)   bottom to top
        bias   = np.zeros(units, dtype)

    ``from scratch import initializers``; dtype = the old kernels' dtype; rng a numpy Generator.
    Returns the list of n_reuse + len(new_units) (kernel, bias) pairs; ``weights`` is unchanged.
    """
    raise NotImplementedError("write replace_top")
