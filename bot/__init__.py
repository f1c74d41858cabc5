"""kpibot bot."""
