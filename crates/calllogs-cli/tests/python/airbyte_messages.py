"""Validates what a calllogs Airbyte command printed, with the official
protocol models (airbyte-protocol-models), and summarizes it as JSON for
the Rust test to assert on.

usage: airbyte_messages.py MESSAGES_FILE [--catalog FILE] [--config FILE]

Every line must be one AirbyteMessage; fields the protocol does not define
are errors too (the models themselves allow extra fields). With --catalog
(a CATALOG message's catalog, or a configured catalog), every RECORD must
validate against its stream's JSON Schema, and every date-time field must
be an RFC 3339 time with a zone. With --config, the config must validate
against the SPEC's connectionSpecification. Exits 1 with the first problem.
"""

import argparse
import datetime
import json
import sys

import jsonschema
from airbyte_protocol.models import AirbyteMessage


def strict(model, data, path):
    """Fails on a key that `model` (a pydantic v1 model) does not define."""
    fields = getattr(model, "__fields__", None)
    if not fields or not isinstance(data, dict):
        return
    by_alias = {f.alias: f for f in fields.values()}
    for key, value in data.items():
        if key not in by_alias:
            raise ValueError(f"{path}.{key}: not a field of {model.__name__}")
        if value is None:
            continue
        inner = by_alias[key].type_
        for item in value if isinstance(value, list) else [value]:
            strict(inner, item, f"{path}.{key}")


def times(schema, value, path):
    """Every `format: date-time` value is RFC 3339 with a zone."""
    if value is None or not isinstance(schema, dict):
        return
    if schema.get("format") == "date-time":
        t = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if t.tzinfo is None:
            raise ValueError(f"{path}: {value!r} has no time zone")
    for key, sub in (schema.get("properties") or {}).items():
        if isinstance(value, dict) and key in value:
            times(sub, value[key], f"{path}.{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            times(schema["items"], item, f"{path}[{i}]")


def schemas_of(catalog):
    out = {}
    for s in catalog.get("streams", []):
        stream = s.get("stream", s)
        out[stream["name"]] = stream["json_schema"]
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("messages")
    p.add_argument("--catalog")
    p.add_argument("--config")
    args = p.parse_args()
    schemas = schemas_of(json.load(open(args.catalog))) if args.catalog else None
    config = json.load(open(args.config)) if args.config else None
    summary = {"types": {}, "keys": [], "states": [], "record_counts": [],
               "statuses": [], "errors": [], "connection": [], "logs": []}
    for n, line in enumerate(open(args.messages, encoding="utf-8"), 1):
        where = f"line {n}"
        try:
            raw = json.loads(line)
            msg = AirbyteMessage.parse_obj(raw)
            strict(AirbyteMessage, raw, "message")
            kind = msg.type.value
            summary["types"][kind] = summary["types"].get(kind, 0) + 1
            if kind == "SPEC":
                spec = raw["spec"]["connectionSpecification"]
                jsonschema.Draft4Validator.check_schema(spec)
                if config is not None:
                    jsonschema.Draft4Validator(spec).validate(config)
            elif kind == "CATALOG":
                for stream in raw["catalog"]["streams"]:
                    jsonschema.Draft4Validator.check_schema(stream["json_schema"])
            elif kind == "RECORD":
                data = raw["record"]["data"]
                if schemas is not None:
                    schema = schemas[raw["record"]["stream"]]
                    jsonschema.Draft4Validator(schema).validate(data)
                    times(schema, data, "data")
                summary["keys"].append([data["provider"], data["account"], data["id"]])
            elif kind == "STATE":
                state = raw["state"]
                if state.get("type") != "STREAM":
                    raise ValueError("not a per-stream STATE")
                summary["states"].append(raw)
                summary["record_counts"].append(state.get("sourceStats", {}).get("recordCount"))
            elif kind == "TRACE":
                trace = raw["trace"]
                if trace["type"] == "ERROR":
                    summary["errors"].append(trace["error"])
                elif trace["type"] == "STREAM_STATUS":
                    summary["statuses"].append(trace["stream_status"]["status"])
            elif kind == "CONNECTION_STATUS":
                summary["connection"].append(raw["connectionStatus"])
            elif kind == "LOG":
                summary["logs"].append(raw["log"])
        except Exception as e:  # noqa: BLE001 - any failure is the test's failure
            print(f"{where}: {type(e).__name__}: {e}\n{line[:400]}", file=sys.stderr)
            sys.exit(1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
