"""rotate_images returns a reshaped view of the input when every angle is 0: equal pixels, but
the same memory as the caller's array."""

import numpy as np

from scratch import augment as ref
from scratch.augment import augment, check_images, per_image_floats, shift_images  # noqa: F401


def rotate_images(images, degrees):
    cube, shape = check_images(images)
    if not np.any(per_image_floats(degrees, "degrees", cube.shape[0])):
        return cube.reshape(shape)
    return ref.rotate_images(images, degrees)
