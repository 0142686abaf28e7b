"""bench.personas: virtual personas that stand in for human survey respondents.

The Anthology method (Moon et al., EMNLP 2024): naturalistic backstories, a demographic
survey of each persona, matching personas to real respondents, the real survey, and the
evaluation against the humans; plus its follow-up (interview backstories, an LLM critic,
in-group / out-group / meta-perception gaps).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bench-personas")
except PackageNotFoundError:
    __version__ = "0+unknown"

__all__ = ["__version__"]
