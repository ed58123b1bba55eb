"""Inter-coder agreement (placeholder __init__, replaced below)."""
from ._matrix import *  # noqa
from ._coefficients import *  # noqa
