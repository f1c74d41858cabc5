"""The HTTP API for values under /api/v1: routes, rate limits and the OpenAPI document."""
