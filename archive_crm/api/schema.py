"""How the OpenAPI schema (/api/schema/) documents what every operation may answer besides
its own success: the errors the API gives for all operations alike, added in one place
instead of on each view."""

import copy

from archive_crm.api.exceptions import (
    BAD_INPUT,
    FORBIDDEN,
    NOT_FOUND,
    THROTTLED,
    UNAUTHENTICATED,
    UNSUPPORTED_MEDIA_TYPE,
)

METHODS = {"get", "put", "patch", "post", "delete"}
REF = "#/components/schemas/"


def implied_errors(path: str, operation: dict) -> dict:
    """The errors `operation` answers by the way the API works, whatever its view: 400 when
    it reads a body or query parameters (they are validated), 415 when the body is not JSON,
    401 and 403 when it needs a signed-in user with the right role, 429 when that user asks
    too often, and 404 when it names a record in its path or pages through a list (a page
    past the last one)."""
    query = [p for p in operation.get("parameters", ()) if p["in"] == "query"]
    has_body = "requestBody" in operation
    security = operation.get("security") or []
    signed_in = bool(security) and {} not in security
    errors = {}
    if has_body or query:
        errors[400] = BAD_INPUT
    if signed_in:
        errors[401] = UNAUTHENTICATED
        errors[403] = FORBIDDEN
    if "{" in path or {"page", "page_size"} <= {parameter["name"] for parameter in query}:
        errors[404] = NOT_FOUND
    if has_body:
        errors[415] = UNSUPPORTED_MEDIA_TYPE
    if signed_in:
        errors[429] = THROTTLED
    return errors


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation lists the errors `implied_errors`
    gives it, unless its view documents that status itself. And every query parameter may be
    sent empty (`allowEmptyValue`) unless it is required, as a browser's form sends a field
    left blank: the filters, the analyses' parameters and the paging all count an empty one
    as not given."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "query" and not parameter.get("required"):
                    parameter.setdefault("allowEmptyValue", True)
            responses = operation.setdefault("responses", {})
            for status, response in implied_errors(path, operation).items():
                responses.setdefault(str(status), {"description": str(response.description)})
            operation["responses"] = dict(sorted(responses.items()))
    return result


def _rename_refs(node, renames: dict[str, str]):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref in renames:
            node["$ref"] = renames[ref]
        for value in node.values():
            _rename_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value, renames)


def name_request_components(result, generator, request, public):
    """drf-spectacular postprocessing hook. With COMPONENT_SPLIT_REQUEST, a request body's
    component leaves out what is read-only and is named <Name>Request; where nothing else is
    named <Name>, or the two are the same, it keeps the serializer's own name."""
    schemas = result.get("components", {}).get("schemas", {})
    renames = {}
    for name in list(schemas):
        base = name.removesuffix("Request")
        if base != name and (base not in schemas or schemas[base] == schemas[name]):
            schemas[base] = schemas.pop(name)
            renames[f"{REF}{name}"] = f"{REF}{base}"
    _rename_refs(result, renames)
    return result


def require_version_on_update(result, generator, request, public):
    """drf-spectacular postprocessing hook: an update (PUT or PATCH) of a record that has a
    `version` must send the version it read (optimistic locking: a stale one is a 409), so
    the update's body requires it. A PUT gets a component of its own for that, named
    <Name>Update, since creating the record takes the same body without a version."""
    schemas = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for method in ("put", "patch"):
            body = operations.get(method, {}).get("requestBody", {})
            for content in body.get("content", {}).values():
                ref = content.get("schema", {}).get("$ref", "")
                name = ref.removeprefix(REF)
                component = schemas.get(name)
                if not component or "version" not in component.get("properties", {}):
                    continue
                if method == "put":
                    name = name.removesuffix("Request") + "Update"
                    component = schemas.setdefault(name, copy.deepcopy(component))
                    content["schema"]["$ref"] = f"{REF}{name}"
                required = component.setdefault("required", [])
                if "version" not in required:
                    required.append("version")
                body["required"] = True
    return result
