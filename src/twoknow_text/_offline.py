"""Switch off every network path of the libraries we use, before they import.

Imported first by the package ``__init__``. Each variable below was found to
matter (see the developers' notes): hub downloads, telemetry, version checks.
``setdefault`` keeps a user's explicit choice.
"""

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

for _k, _v in _OFFLINE_ENV.items():
    os.environ.setdefault(_k, _v)
