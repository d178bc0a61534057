"""Errors a user can act on. The CLI prints their message without a traceback."""


class UserError(Exception):
    """Something the user can fix: a missing file, a bad flag, a corrupt download."""


class DataError(UserError):
    """MNIST is missing, corrupt or not what it claims to be."""
