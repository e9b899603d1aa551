"""How lifecycle stages are named on screen."""

STAGE_LABELS = {
    "assurance": "System assurance",
    "optimization": "Optimization",
    "expansion": "Expansion",
    "retired": "Retired",
}
