"""Quality figures: ranking metrics of partner suggestions (:mod:`matchmaker.quality.ranking`)
and the figures of breakout rooms (:mod:`matchmaker.quality.rooms`)."""

from matchmaker.quality.ranking import (
    catalogue_coverage,
    exposure_gini,
    mrr,
    ndcg_at_k,
    precision_at_k,
    ranking_report,
    recall_at_k,
    reciprocal_hit_rate,
    relevant_from_links,
)

__all__ = [
    "catalogue_coverage",
    "exposure_gini",
    "mrr",
    "ndcg_at_k",
    "precision_at_k",
    "ranking_report",
    "recall_at_k",
    "reciprocal_hit_rate",
    "relevant_from_links",
]
