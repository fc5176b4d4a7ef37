"""The OpenAPI document as JSON, and the same document as a readable HTML page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from scrapersky.openapi import openapi_document

bp = Blueprint("docs", __name__, url_prefix="/api")
METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3 document of this API."""
    return openapi_document(current_app._get_current_object())  # type: ignore[attr-defined]


@bp.get("/docs")
def api_docs():
    """The API reference: every path, its parameters, bodies, responses and schemas."""
    spec = openapi_document(current_app._get_current_object())  # type: ignore[attr-defined]
    return render_template("api_docs.html", spec=spec, operations=operations_of(spec),
                           schemas=schemas_of(spec))


def operations_of(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every operation, by path then method, with its references resolved."""
    found = []
    for path, methods in spec.get("paths", {}).items():
        for method in sorted(methods, key=METHOD_ORDER.index):
            op = methods[method]
            found.append({
                "path": path, "method": method.upper(), "anchor": op.get("operationId"),
                "summary": op.get("summary", ""), "description": op.get("description", ""),
                "secured": bool(spec.get("security")) and op.get("security") != [],
                "parameters": [parameter_row(p) for p in op.get("parameters", [])],
                "body": body_of(op.get("requestBody")),
                "responses": [response_row(spec, code, response)
                              for code, response in sorted(op.get("responses", {}).items())],
            })
    return found


def parameter_row(parameter: dict[str, Any]) -> dict[str, Any]:
    """Return one parameter as a table row."""
    schema = parameter.get("schema", {})
    return {"name": parameter["name"], "in": parameter["in"],
            "required": parameter.get("required", False), "type": type_of(schema),
            "description": parameter.get("description", ""), "enum": schema.get("enum"),
            "default": schema.get("default")}


def body_of(request_body: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the request body's media type and schema name."""
    if not request_body:
        return None
    media_type, content = next(iter(request_body["content"].items()))
    return {"media_type": media_type, "type": type_of(content.get("schema", {}))}


def response_row(spec: dict[str, Any], code: str, response: dict[str, Any]) -> dict[str, Any]:
    """Return one response (a shared error response resolved) as a table row."""
    if "$ref" in response:
        response = spec["components"]["responses"][ref_name(response["$ref"])]
    content = response.get("content", {})
    return {"code": code, "description": response.get("description", ""),
            "media": [{"media_type": media_type, "type": type_of(body.get("schema", {}))}
                      for media_type, body in content.items()]}


def schemas_of(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Return every component schema with its properties as table rows."""
    found = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        found.append({"name": name, "description": schema.get("description", ""),
                      "properties": [
                          {"name": field, "type": type_of(prop), "required": field in required,
                           "nullable": prop.get("nullable", False),
                           "description": prop.get("description", ""),
                           "enum": prop.get("enum")}
                          for field, prop in schema.get("properties", {}).items()]})
    return found


def ref_name(ref: str) -> str:
    """Return the last part of a `#/components/...` reference."""
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a schema's type for display: a label, and the schema it links to, if any."""
    if "$ref" in schema:
        return {"label": ref_name(schema["$ref"]), "link": ref_name(schema["$ref"])}
    if schema.get("type") == "array":
        item = type_of(schema.get("items", {}))
        return {"label": f"array of {item['label']}", "link": item.get("link")}
    if "allOf" in schema:
        return type_of(schema["allOf"][0])
    if "oneOf" in schema:
        return {"label": " or ".join(type_of(option)["label"] for option in schema["oneOf"]),
                "link": None}
    label = schema.get("type", "any")
    if schema.get("format"):
        label = f"{label} ({schema['format']})"
    return {"label": label, "link": None}
