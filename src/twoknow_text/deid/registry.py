"""Registry of the project's own Presidio recognizers, under versioned names.

Every pattern recognizer of :mod:`twoknow_text.deid.recognizers` registers
itself here with :func:`register` under a name such as
``twoknow.onion_address.v1``. A changed behaviour gets a new ``.v2`` name and
the ``.v1`` one keeps working, so a config that names recognizers keeps
meaning the same thing.

:func:`get_recognizers` returns *fresh* instances (Presidio recognizers
cache compiled patterns and context state per instance; sharing them across
engines built for different languages would mix their ``supported_language``).

Example
-------
>>> from twoknow_text.deid.registry import get_recognizers
>>> recs = get_recognizers(["twoknow.onion_address.v1"], language="fi")
>>> recs[0].supported_language, recs[0].supported_entities
('fi', ['ONION_ADDRESS'])
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Callable

from twoknow_text.errors import DeidError

if TYPE_CHECKING:  # Presidio is imported only when recognizers are built
    from presidio_analyzer import EntityRecognizer

__all__ = [
    "register",
    "get_recognizers",
    "recognizer_names",
    "registered_names",
    "entity_type_of",
    "DEFAULT_RECOGNIZERS",
    "ENTITY_TYPES",
    "LONG_NUMBER",
    "RecognizerFactory",
]

# factory(language) -> a new recognizer instance for that language
RecognizerFactory = Callable[[str], "EntityRecognizer"]

_REGISTRY: dict[str, tuple[RecognizerFactory, str | None]] = {}

#: Entity types the project's own recognizers emit (NER types such as PERSON,
#: LOCATION, ORGANIZATION and Presidio's built-ins come from the engine).
ENTITY_TYPES: tuple[str, ...] = (
    "ONION_ADDRESS",
    "URL",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IP_ADDRESS",
    "CRYPTO_WALLET",
    "SESSION_ID",
    "PGP_FINGERPRINT",
    "PGP_KEY_BLOCK",
    "MESSAGING_HANDLE",
    "USERNAME",
    "NATIONAL_ID",
    "STREET_ADDRESS",
    "ID_NUMBER",
)

#: Any other run of 9+ digits as ID_NUMBER; switched by the config flag ``long_numbers``.
LONG_NUMBER = "twoknow.long_number.v1"

#: The recognizers a default de-identification run uses, in this order
#: (a tuple, so that nobody changes the default by appending to it).
DEFAULT_RECOGNIZERS: tuple[str, ...] = (
    "twoknow.onion_address.v1",
    "twoknow.url.v1",
    "twoknow.email_address.v1",
    "twoknow.phone_number.v1",
    "twoknow.ip_address.v1",
    "twoknow.crypto_wallet.v1",
    "twoknow.session_id.v1",
    "twoknow.pgp_fingerprint.v1",
    "twoknow.pgp_key_block.v1",
    "twoknow.messaging_handle.v1",
    "twoknow.threema_id.v1",
    "twoknow.username.v1",
    "twoknow.national_id.v1",
    "twoknow.street_address.v1",
    LONG_NUMBER,
)


def register(name: str, entity_type: str | None = None) -> Callable[[RecognizerFactory], RecognizerFactory]:
    """Decorator: register ``factory(language) -> EntityRecognizer`` under ``name``.

    ``name`` must look like ``twoknow.<thing>.v<N>``; registering the same
    name twice is a programming error (raises ``DeidError E200``).
    ``entity_type`` is what the recognizer emits; when left out it is read
    from a first instance (``supported_entities[0]``) the first time it is asked for.

    >>> @register("twoknow.my_thing.v1")                         # doctest: +SKIP
    ... def _my_thing(language):
    ...     return MyRecognizer(supported_language=language)
    """
    parts = name.split(".")
    if len(parts) < 3 or not parts[-1].startswith("v") or not parts[-1][1:].isdigit():
        raise DeidError("E200", f"recognizer name {name!r} must end in a version such as '.v1'")

    def deco(factory: RecognizerFactory) -> RecognizerFactory:
        if name in _REGISTRY and _REGISTRY[name][0] is not factory:
            raise DeidError("E200", f"recognizer {name!r} is registered twice")
        _REGISTRY[name] = (factory, entity_type)
        return factory

    return deco


def _ensure_loaded() -> None:
    # Registration lives in one module; importing it fills the registry.
    from twoknow_text.deid import recognizers  # noqa: F401


def registered_names() -> list[str]:
    """All registered recognizer names, sorted."""
    _ensure_loaded()
    return sorted(_REGISTRY)


def entity_type_of(name: str) -> str:
    """The entity type a registered recognizer emits."""
    _ensure_loaded()
    _check_name(name)
    factory, entity = _REGISTRY[name]
    if entity is None:
        entity = factory("en").supported_entities[0]
        _REGISTRY[name] = (factory, entity)
    return entity


def _check_name(name: str) -> None:
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise DeidError("E201", f"unknown recognizer {name!r}{hint}")


def recognizer_names(
    names: list[str] | tuple[str, ...] | None = None, *, long_numbers: bool = True
) -> list[str]:
    """The recognizer names a config asks for: ``names`` (default :data:`DEFAULT_RECOGNIZERS`),
    with :data:`LONG_NUMBER` added or removed by the ``long_numbers`` flag.

    >>> LONG_NUMBER in recognizer_names(long_numbers=False)
    False
    >>> recognizer_names(["twoknow.url.v1"])
    ['twoknow.url.v1', 'twoknow.long_number.v1']
    """
    wanted = [n for n in (DEFAULT_RECOGNIZERS if names is None else names) if n != LONG_NUMBER]
    return wanted + [LONG_NUMBER] if long_numbers else wanted


def get_recognizers(
    names: list[str] | tuple[str, ...] | None = None, language: str = "en"
) -> list[EntityRecognizer]:
    """Fresh recognizer instances for ``names`` (default: :data:`DEFAULT_RECOGNIZERS`).

    Every instance has ``supported_language == language``: the pattern
    recognizers do not depend on a language model, so the engine can ask
    for the same set for ``"fi"``, ``"sv"``, ``"de"``, ``"es"``, ``"ru"``, ...
    An unknown name raises ``DeidError E201`` naming the closest match.
    """
    _ensure_loaded()
    wanted = list(DEFAULT_RECOGNIZERS if names is None else names)
    for name in wanted:
        _check_name(name)
    return [_REGISTRY[name][0](language) for name in wanted]
