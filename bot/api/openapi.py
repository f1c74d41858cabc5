"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json. A test checks it is a
valid document and that its paths and methods are exactly the routes the app serves."""

from __future__ import annotations

from typing import Any

from commands.api_values import MAX_BATCH

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid"]},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
            },
        },
        "rows": {
            "type": "array",
            "description": "For a refused batch: every refused row, by its position.",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                },
            },
        },
    },
}

_VALUE_IN = {
    "type": "object",
    "required": ["kpi", "value"],
    "additionalProperties": False,
    "properties": {
        "kpi": {"type": "string", "description": "The KPI's key.", "examples": ["pipeline"]},
        "value": {
            "oneOf": [{"type": "number"}, {"type": "string"}],
            "description": "A number, or text in the formats `/kpi log` reads (1.2M, $40k, 12%).",
        },
        "period": {
            "type": "string",
            "description": "The period's key (2026-W49, 2026-11, 2026-Q4); the current one if "
            "left out. Future periods are refused.",
        },
        "note": {"type": "string", "maxLength": 2000},
    },
}

_VALUE_OUT = {
    "type": "object",
    "properties": {
        "kpi": {"type": "string"},
        "period": {"type": "string"},
        "period_label": {"type": "string"},
        "value": {"type": "number"},
        "display": {"type": "string"},
        "note": {"type": ["string", "null"]},
        "status": {"enum": ["on_track", "at_risk", "off_track", "no_data"]},
        "status_reason": {"type": "string"},
        "replaced": {"type": ["string", "null"]},
        "version": {"type": "integer"},
    },
}

_HISTORY_VALUE = {
    "type": "object",
    "properties": {
        "period": {"type": "string"},
        "period_start": {"type": "string", "format": "date"},
        "value": {"type": "number"},
        "note": {"type": ["string", "null"]},
        "source": {"type": "string"},
        "logged_by": {"type": "string"},
        "logged_at": {"type": "string", "format": "date-time"},
        "via": {"type": ["string", "null"], "description": "API token <name> for API values"},
        "version": {"type": "integer"},
    },
}

_KPI = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "name": {"type": "string"},
        "definition": {"type": ["string", "null"]},
        "unit": {"type": ["string", "null"]},
        "direction": {"enum": ["up", "down", "band"]},
        "target": {"type": ["number", "null"]},
        "baseline": {"type": ["number", "null"]},
        "band": {"type": ["array", "null"], "items": {"type": ["number", "null"]}},
        "cadence": {"type": "string"},
        "indicator": {"type": "string"},
        "owner": {"type": "string"},
        "team": {"type": ["string", "null"]},
        "goal": {"type": ["string", "null"]},
        "active": {"type": "boolean"},
        "status": {"enum": ["on_track", "at_risk", "off_track", "no_data"]},
        "status_reason": {"type": "string"},
        "trend": {"type": "string"},
        "latest": {"oneOf": [{"$ref": "#/components/schemas/HistoryValue"}, {"type": "null"}]},
    },
}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _errors(*statuses: int) -> dict[str, Any]:
    meaning = {
        401: "Missing, unknown or revoked token.",
        403: "The KPI is outside the token's scope, or the token is read-only.",
        404: "No KPI has that key.",
        409: "A concurrent request wrote the same value first; retry.",
        413: "The body is over 1 MB, or a batch has more than 1,000 values.",
        422: "A bad value, period, field or JSON body, or a reused Idempotency-Key.",
        429: "Too many requests for this token; the Retry-After header says when to retry.",
    }
    return {str(s): {"description": meaning[s], "content": _json("Error")} for s in statuses}


_KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique text up to 200 characters. A retry with the same key and body "
    "gets the first answer again; the same key with another body is refused (422).",
    "schema": {"type": "string", "maxLength": 200},
}
_READ_ERRORS = (401, 403, 404, 429)


def document() -> dict[str, Any]:
    value_answers = {
        "200": {
            "description": "The same value and note were already stored.",
            "content": _json("Value"),
        },
        "201": {
            "description": "Stored (a replaced value is kept in history).",
            "content": _json("Value"),
        },
    }
    batch_out = {
        "type": "object",
        "properties": {
            "created": {"type": "integer"},
            "unchanged": {"type": "integer"},
            "values": {"type": "array", "items": {"$ref": "#/components/schemas/Value"}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kpibot values API",
            "version": "1",
            "description": "Send KPI values from other systems and read KPIs, their status and "
            "history. Authenticate with `Authorization: Bearer <token>` (`kpibot tokens create`).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/values": {
                "post": {
                    "summary": "Store one KPI value",
                    "operationId": "postValue",
                    "parameters": [_IDEMPOTENCY],
                    "requestBody": {"required": True, "content": _json("ValueIn")},
                    "responses": value_answers | _errors(401, 403, 404, 409, 413, 422, 429),
                }
            },
            "/api/v1/values:batch": {
                "post": {
                    "summary": f"Store up to {MAX_BATCH:,} values, all or nothing",
                    "operationId": "postValues",
                    "parameters": [_IDEMPOTENCY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["values"],
                                    "properties": {
                                        "values": {
                                            "type": "array",
                                            "maxItems": MAX_BATCH,
                                            "items": {"$ref": "#/components/schemas/ValueIn"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Every value was already stored.",
                            "content": {"application/json": {"schema": batch_out}},
                        },
                        "201": {
                            "description": "Stored.",
                            "content": {"application/json": {"schema": batch_out}},
                        },
                    }
                    | _errors(401, 403, 404, 409, 413, 422, 429),
                }
            },
            "/api/v1/kpis": {
                "get": {
                    "summary": "The KPIs the token may reach, with status",
                    "operationId": "listKpis",
                    "responses": {
                        "200": {
                            "description": "KPIs",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "kpis": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Kpi"},
                                            }
                                        },
                                    }
                                }
                            },
                        }
                    }
                    | _errors(401, 429),
                }
            },
            "/api/v1/kpis/{key}": {
                "get": {
                    "summary": "One KPI: definition and status",
                    "operationId": "getKpi",
                    "parameters": [_KEY],
                    "responses": {"200": {"description": "The KPI", "content": _json("Kpi")}}
                    | _errors(*_READ_ERRORS),
                }
            },
            "/api/v1/kpis/{key}/values": {
                "get": {
                    "summary": "A KPI's values, oldest first",
                    "operationId": "getValues",
                    "parameters": [
                        _KEY,
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "description": "A date (2026-01-01) or a period key (2026-W01).",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "History",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "kpi": {"type": "string"},
                                            "since": {"type": ["string", "null"]},
                                            "values": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/HistoryValue"
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        }
                    }
                    | _errors(*_READ_ERRORS, 422),
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "security": [],
                    "responses": {
                        "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "kpi_..."}
            },
            "schemas": {
                "Error": _ERROR,
                "ValueIn": _VALUE_IN,
                "Value": _VALUE_OUT,
                "HistoryValue": _HISTORY_VALUE,
                "Kpi": _KPI,
            },
        },
    }
