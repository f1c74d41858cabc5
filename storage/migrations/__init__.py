"""Alembic migrations for kpibot's schema; `kpibot migrate` applies them."""
