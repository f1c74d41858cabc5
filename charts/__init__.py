"""kpibot charts."""
