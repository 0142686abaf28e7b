"""Optimal transport: 1-D Wasserstein on ordinal supports, EMD, Gromov-Wasserstein."""

from bench.common.ot.emd import EMDResult, emd, emd_points
from bench.common.ot.entropic_gromov_wasserstein import (
    EntropicGWConfig,
    entropic_gromov_wasserstein,
)
from bench.common.ot.gromov_wasserstein import (
    GWConfig,
    gromov_wasserstein,
    gromov_wasserstein_batch,
)
from bench.common.ot.gw_result import GWResult
from bench.common.ot.sinkhorn import SinkhornResult, sinkhorn
from bench.common.ot.square_loss import gw_objective, tensor_product
from bench.common.ot.wasserstein_1d import wasserstein_1d

__all__ = [
    "EMDResult",
    "EntropicGWConfig",
    "GWConfig",
    "GWResult",
    "SinkhornResult",
    "emd",
    "emd_points",
    "entropic_gromov_wasserstein",
    "gromov_wasserstein",
    "gromov_wasserstein_batch",
    "gw_objective",
    "sinkhorn",
    "tensor_product",
    "wasserstein_1d",
]
