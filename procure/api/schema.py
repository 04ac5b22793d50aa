"""The OpenAPI document's conventions (configured in SPECTACULAR_SETTINGS): id paths and the
error responses of every operation."""

from typing import Any

from .fields import MAX_ID

# Ids in paths are 1 to 18 digits: always a valid bigint, so no id reaches the database as an
# out-of-range number. Larger numbers match no URL (404).
ID_PATTERN = "[1-9][0-9]{0,17}"
ID_MAX = 10**18 - 1  # SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"] documents the same
assert ID_MAX <= MAX_ID


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
ERRORS = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
    "required": ["errors"],
}
ERROR_RESPONSES = {
    "400": ("Errors", "The input is invalid; `errors` names each place and what is wrong."),
    "401": ("Detail", "No valid token or session."),
    "403": ("Detail", "Your role in the organisation does not allow this."),
    "404": ("Detail", "No such object here (or not in an organisation you belong to)."),
    "409": ("Detail", "The object's state does not allow this now."),
    "415": ("Detail", "The body is not in a media type this operation reads."),
}
WRITES = {"post", "put", "patch", "delete"}


def document_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Add the error responses each operation can give, with their shared bodies."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Detail", DETAIL)
    schemas.setdefault("Errors", ERRORS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in WRITES | {"get"}:
                continue
            has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
            codes = ["401"]
            if "{" in path:
                codes.append("404")
            if method in WRITES:
                codes.append("403")
            if "requestBody" in operation or has_query:
                codes.append("400")
            if "requestBody" in operation:
                codes.append("415")
            for code in codes:
                name, description = ERROR_RESPONSES[code]
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                        },
                    },
                )
    return result
