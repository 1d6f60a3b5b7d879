"""The OpenAPI document, made to say what the service does.

FastAPI writes the document from the routes' signatures. Where a route reads its body itself
(an event or a profile is checked as ``matchmaker import`` checks a file, with the same
messages) or where a bound is a setting, the signature says less than the service does; this
module fills that in, once, after FastAPI has written the document:

- the request bodies of events and profiles are the ``Event`` and ``Organisation`` schemas
  (validation mode: what may be sent), not "an object";
- the ``type`` filter of the organisation list names the organisation types;
- the page size's maximum is the service's setting;
- ``If-Match`` has the form of this service's ETags (``"3"``); its absence is answered 428.

What JSON Schema cannot say stays in the descriptions and in the 422 problems: that a region is
a NUTS code of the register (not any string of its shape), that a participant's organisation is
one of the event's, that a pin names one of its rooms.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from matchmaker.models import Event, Organisation, OrgType

__all__ = ["describe"]

_REF = "#/components/schemas/{model}"
_REF_INPUT = "#/components/schemas/{model}Input"
_BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("/api/events", "post"): Event,
    ("/api/events/{event_id}", "put"): Event,
    ("/api/organisations", "post"): Organisation,
    ("/api/organisations/{org_id}", "put"): Organisation,
}
_ETAG = '^(W/)?"[0-9]{1,18}"$'
_TYPE_FILTERS = ("/api/organisations",)  # one type; the suggestions' filters take lists


def describe(schema: dict[str, Any], *, max_page_size: int) -> dict[str, Any]:
    """Fill in ``schema`` (an OpenAPI document FastAPI wrote) in place; returns it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    paths = schema.get("paths", {})
    for (path, method), model in _BODIES.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue
        name = f"{model.__name__}Input"
        if name not in components:
            # Its parts under names of their own ("OrganisationInput"): FastAPI's components
            # of the same models are what the service answers, which may hold more fields
            # (a profile's derived country) than a request needs.
            body = model.model_json_schema(ref_template=_REF_INPUT, mode="validation")
            for key, sub in body.pop("$defs", {}).items():
                components.setdefault(f"{key}Input", sub)
            components[name] = body
        content = operation.setdefault("requestBody", {}).setdefault("content", {})
        media = content.setdefault("application/json", {})
        media["schema"] = {"$ref": _REF.format(model=name)}
        operation["requestBody"]["required"] = True
    for operations in paths.values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else ():
                # Optional in the document: without it the answer is 428 (RFC 6585), which
                # a required header's absence would not be. Its form is this service's ETags.
                if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
                    parameter["schema"] = {"type": "string", "pattern": _ETAG, "title": "If-Match"}
    for path in _TYPE_FILTERS:
        operation = paths.get(path, {}).get("get", {})
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query":
                continue
            if parameter.get("name") == "type":
                _set_schema(parameter, {"type": "string", "enum": [t.value for t in OrgType]})
            elif parameter.get("name") == "limit" and path == "/api/organisations":
                _set_schema(parameter, {"type": "integer", "minimum": 0, "maximum": max_page_size})
    return schema


def _set_schema(parameter: dict[str, Any], schema: dict[str, Any]) -> None:
    # An optional query parameter: the value's schema, or absent.
    parameter["schema"] = {"anyOf": [schema, {"type": "null"}], "title": parameter["name"]}
