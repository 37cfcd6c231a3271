"""Exception hierarchy of ovstudio.

Every message names the file or value at fault, what was expected and what to do next, so the
CLI and the app can show it to the user as it is.
"""


class OvStudioError(Exception):
    """Base class of every error that ovstudio reports to a user."""


class ModelInputError(OvStudioError):
    """The model files, shapes or input arrays given by the user cannot be used."""


class UnsupportedOperationError(ModelInputError):
    """OpenVINO cannot read or convert the model because of the named operations."""

    def __init__(self, message: str, operations: list[str]) -> None:
        super().__init__(message)
        self.operations = operations


class InvalidSettingError(OvStudioError):
    """A profiling setting, such as the device name or the iteration count, is invalid."""

    def __init__(self, message: str, setting: str | None = None) -> None:
        super().__init__(message)
        # The ProfileSettings field at fault, so a caller can name its own option for it.
        self.setting = setting


class ProfilingError(OvStudioError):
    """Compiling or running the model on the device failed, crashed or timed out."""

    def __init__(self, message: str, stage: str | None = None) -> None:
        super().__init__(message)
        self.stage = stage


class ProfilingCancelled(ProfilingError):
    """The caller cancelled a running profile."""


class SessionError(OvStudioError):
    """A session file cannot be read, written or found."""
