"""Every error twoknow_text raises on purpose, in one place.

Hierarchy::

    TwoknowError                 base; carries a stable code like "E012"
    ├── InputError               the user's input file or columns (E0xx)
    ├── ConfigError              a config, codebook or option value (E1xx)
    ├── DeidError                de-identification (E2xx)
    ├── ModelError               models: missing paths, bad artifacts (E3xx)
    ├── ThemeError               theme extraction (E4xx)
    ├── LabelStudioError         the Label Studio round trip (E5xx)
    ├── AgreementError           agreement coefficients (E6xx)
    ├── CodebookError            codebook and exports (E7xx)
    └── AutocodeError            the assisted-coding model (E8xx)

Codes are stable: a user can search for them and tests assert them. A message
never contains answer text; it names a ``response_id``, a row number or a
column instead. The CLI prints ``error[E012]: message`` on one line and exits
with status 2.
"""

from __future__ import annotations

__all__ = [
    "TwoknowError",
    "InputError",
    "ConfigError",
    "DeidError",
    "ModelError",
    "ThemeError",
    "LabelStudioError",
    "AgreementError",
    "CodebookError",
    "AutocodeError",
]


class TwoknowError(Exception):
    """Base class: a user-facing error with a stable code.

    Parameters
    ----------
    code:
        A stable identifier such as ``"E012"``.
    message:
        One line for a person. Never include answer text.
    """

    exit_code = 2

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"[{code}] {message}")

    def __reduce__(self):  # noqa: ANN204
        # Pickle as (code, message), so an error raised in a worker process
        # (the parallel de-identification of `twoknow themes`) arrives whole.
        return (self.__class__, (self.code, self.message))


class InputError(TwoknowError):
    """The input file, its format or its columns are not usable (E0xx)."""


class ConfigError(TwoknowError):
    """A config file, codebook file or option value is invalid (E1xx)."""


class DeidError(TwoknowError):
    """De-identification could not be done safely (E2xx)."""


class ModelError(TwoknowError):
    """A model directory or a saved artifact is missing or broken (E3xx)."""


class ThemeError(TwoknowError):
    """Theme extraction cannot run on this input (E4xx)."""


class LabelStudioError(TwoknowError):
    """The Label Studio server, project or token is not usable (E5xx)."""


class AgreementError(TwoknowError):
    """Agreement cannot be computed on this table (E6xx)."""


class CodebookError(TwoknowError):
    """A codebook or an export is invalid (E7xx)."""


class AutocodeError(TwoknowError):
    """The assisted-coding model: bad training data, parameters or saved models (E8xx)."""
