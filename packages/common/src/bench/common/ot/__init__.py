"""Optimal transport: 1-D Wasserstein on ordinal supports, EMD, Gromov-Wasserstein."""

from bench.common.ot.wasserstein_1d import wasserstein_1d

__all__ = ["wasserstein_1d"]
