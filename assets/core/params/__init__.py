"""One pydantic model per `params.yaml` section, one file per section so each stage owns its knobs."""

from assets.core.params.clean import CleanParams
from assets.core.params.evaluate import EvaluateParams
from assets.core.params.graph import GraphParams
from assets.core.params.ingest import IngestParams
from assets.core.params.privacy import PrivacyParams
from assets.core.params.sample import SampleParams
from assets.core.params.tokenize import TokenizeParams
from assets.core.params.train import TrainParams

__all__ = [
    "CleanParams",
    "EvaluateParams",
    "GraphParams",
    "IngestParams",
    "PrivacyParams",
    "SampleParams",
    "TokenizeParams",
    "TrainParams",
]
