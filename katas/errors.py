"""Errors a user can act on. The CLI prints their message without a traceback.

The two subclasses are also ``ValueError``\\ s: Python callers of the data loaders and of
``run_lockstep`` get the standard exception for a bad value, the CLI one clear paragraph.
"""


class UserError(Exception):
    """Something the user can fix: a missing file, a bad flag, a corrupt download.

    ``UserError(english, ja=japanese)`` carries both languages; the CLI prints the one the
    learner chose (``text(lang)``). ``str(err)`` is the English one, what Python callers see.
    """

    def __init__(self, message: str = "", *args: object, ja: str | None = None) -> None:
        super().__init__(message, *args)
        self.ja = ja

    def text(self, lang: str) -> str:
        """The message in ``lang`` ("en" | "ja"); English where no Japanese was given."""
        if lang == "ja" and self.ja:
            return self.ja
        return str(self)


class DataError(UserError, ValueError):
    """MNIST is missing, corrupt or not what it claims to be."""


class BadInput(UserError, ValueError):
    """A bad argument to a Python entry point that the CLI also calls (``run_lockstep``...)."""


class ZooError(UserError, ValueError):
    """A model-zoo entry is missing, corrupt or not what its manifest says (``katas.zoo``)."""
