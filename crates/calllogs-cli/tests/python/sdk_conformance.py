"""Holds a provider's emulator and fixture pages to the provider's official
SDK, and the fields calllogs reads to the SDK's model of a call.

    sdk_conformance.py PROVIDER --base-url URL --cred NAME=VALUE ... \
        --reads JSON --fixtures DIR --expect N

- Every record of every fixture page and of every emulator page, walked
  against the SDK's model of a call: a key the model does not have, or an
  enum value the SDK does not list, is a finding.
- Every path calllogs reads (`ProviderInfo::reads`) must exist in the model.
- The list envelope is the SDK's: the SDK's own client lists the emulator's
  calls (its request, its paging, its parsing) and must find all N.

Prints one JSON object: {"records": n, "sdk_calls": n, "findings": [...]}
and exits 1 when there are findings. `--ended-reasons` prints the SDK's
list of Vapi end reasons instead (the taxonomy's enum walk).
"""

import argparse
import base64
import datetime as dt
import inspect
import json
import re
import sys
import typing
import urllib.parse
import urllib.request
from pathlib import Path

# --- fetching raw pages from the emulator ---------------------------------


def get_json(url, headers):
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def post_json(url, body, headers):
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def walk_all(records, model, findings):
    """Walks `(where, value)` pairs against `model`, odd pages tolerated."""
    for where, value in records:
        found = []
        walk_pydantic(value, model, "", found)
        findings.extend(f"{where}: {x}" for x in tolerated(where, found))


def fixture_bodies(directory):
    """Every list page of a provider's fixtures, and its detail responses."""
    pages = [(f.name, json.loads(f.read_text())) for f in sorted(Path(directory).glob("*.json"))]
    details = [
        (f"detail/{f.name}", json.loads(f.read_text()))
        for f in sorted((Path(directory) / "detail").glob("*.json"))
    ]
    return pages, details


def reads_resolve(reads, models, findings, name):
    for path in reads:
        if not any(resolve_pydantic(m, path) for m in models):
            findings.append(f"calllogs reads {path}, which the SDK's {name} does not have")


def basic(user, password):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# --- walking JSON against a pydantic model (vapi-server-sdk) --------------


def is_model(t):
    import pydantic

    return isinstance(t, type) and issubclass(t, pydantic.BaseModel)


def model_fields(model):
    """The model's fields by wire name (alias)."""
    out = {}
    for name, field in model.model_fields.items():
        # Vonage's models name `from` and `_links` by validation alias.
        wire = field.validation_alias if isinstance(field.validation_alias, str) else None
        out[field.alias or wire or name] = field.annotation
    return out


def walk_pydantic(value, ann, path, findings):
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        return walk_pydantic(value, args[0], path, findings)
    if ann is typing.Any or ann is object or value is None:
        return
    if origin is typing.Union:
        members = [a for a in args if a is not type(None)]
        literals = [a for a in members if typing.get_origin(a) is typing.Literal]
        if literals and typing.Any in members and isinstance(value, str):
            # Fern's open enums: Union[Literal[...], Any]. calllogs must
            # only meet (and its emulator only send) values the SDK lists.
            known = {v for lit in literals for v in typing.get_args(lit)}
            if value not in known:
                findings.append(f"{path}: {value!r} is not a value the SDK lists")
            return
        tries = []
        for member in members:
            found = []
            walk_pydantic(value, member, path, found)
            tries.append(found)
        if tries:
            findings.extend(min(tries, key=len))
        return
    if origin is typing.Literal:
        if value not in args:
            findings.append(f"{path}: {value!r} is not one of {list(args)}")
        return
    if origin in (list, typing.List):
        if not isinstance(value, list):
            findings.append(f"{path}: the SDK has a list here, not {type(value).__name__}")
            return
        for item in value:
            walk_pydantic(item, args[0] if args else typing.Any, f"{path}[]", findings)
        return
    if origin in (dict, typing.Dict):
        return
    if is_model(ann):
        if not isinstance(value, dict):
            findings.append(f"{path}: the SDK has an object ({ann.__name__}) here")
            return
        fields = model_fields(ann)
        for key, child in value.items():
            where = f"{path}.{key}" if path else key
            if key not in fields:
                findings.append(f"{where}: the SDK's {ann.__name__} has no such field")
                continue
            walk_pydantic(child, fields[key], where, findings)
        return
    if ann in (float, int) and not (isinstance(value, (int, float)) and not isinstance(value, bool)):
        findings.append(f"{path}: the SDK has a number here, not {value!r}")
    if ann is str and not isinstance(value, str):
        findings.append(f"{path}: the SDK has a string here, not {value!r}")


def resolve_pydantic(model, path):
    """Whether `path` (`artifact.messages[].role`) exists in `model`."""
    anns = [model]
    for part in path.split("."):
        key = part[:-2] if part.endswith("[]") else part
        nxt = []
        for ann in anns:
            for m in flatten(ann):
                if is_model(m):
                    f = model_fields(m).get(key)
                    if f is not None:
                        nxt.append(f)
        if not nxt:
            return False
        if part.endswith("[]"):
            nxt = [a for ann in nxt for l in flatten(ann) if typing.get_origin(l) in (list, typing.List) for a in typing.get_args(l)]
            if not nxt:
                return False
        anns = nxt
    return True


def flatten(ann):
    """The members of an annotation: through Optional, Union and Annotated."""
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return flatten(typing.get_args(ann)[0])
    if origin is typing.Union:
        return [m for a in typing.get_args(ann) for m in flatten(a)]
    return [ann]


# --- providers -------------------------------------------------------------


def tolerated(where, found):
    """The findings that count for a page: on a fixture page of odd records
    (its name says `odd`), wrong types and values the SDK does not list are
    there on purpose (the client must survive them); a field the SDK does
    not know never is."""
    if "odd" not in where:
        return found
    return [f for f in found if "has no such field" in f]



def vapi_check(args, creds, findings):
    from vapi import Vapi
    from vapi.types import Call

    headers = {"Authorization": f"Bearer {creds['VAPI_API_KEY']}"}
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=args.days)).isoformat()
    # Raw pages, walked against the model.
    records = []
    url = f"{args.base_url}/call?limit=1000&createdAtGe={urllib.parse.quote(since)}"
    page = get_json(url, headers)
    if not isinstance(page, list):
        findings.append("emulator: the list is not a bare array (the SDK's List[Call])")
        page = []
    records += [("emulator", r) for r in page]
    for f in sorted(Path(args.fixtures).glob("*.json")):
        body = json.loads(f.read_text())
        if not isinstance(body, list):
            findings.append(f"{f.name}: the list is not a bare array (the SDK's List[Call])")
            continue
        records += [(f.name, r) for r in body]
    for where, record in records:
        found = []
        walk_pydantic(record, Call, "", found)
        findings.extend(f"{where}: {x}" for x in tolerated(where, found))
    for path in json.loads(args.reads):
        if not resolve_pydantic(Call, path):
            findings.append(f"calllogs reads {path}, which the SDK's Call does not have")
    # The SDK's own client, request and parse.
    client = Vapi(token=creds["VAPI_API_KEY"], base_url=args.base_url)
    got = client.calls.list(limit=1000, created_at_ge=dt.datetime.fromisoformat(since))
    if len(got) != args.expect:
        findings.append(f"the SDK's client listed {len(got)} calls, the emulator holds {args.expect}")
    return len(records), len(got)


def twilio_known_keys():
    from twilio.rest.api.v2010.account.call import CallInstance

    src = inspect.getsource(CallInstance.__init__)
    return set(re.findall(r'payload\.get\(\s*"([A-Za-z_]+)"', src))


def twilio_check(args, creds, findings):
    from twilio.base.page import Page
    from twilio.rest import Client
    from twilio.rest.api.v2010.account.call import CallInstance

    sid, token = creds["TWILIO_ACCOUNT_SID"], creds["TWILIO_AUTH_TOKEN"]
    known = twilio_known_keys()
    statuses = {v for k, v in vars(CallInstance.Status).items() if k.isupper()}
    envelope = set(Page.META_KEYS) | {"calls"}
    pages = []
    url = f"{args.base_url}/2010-04-01/Accounts/{sid}/Calls.json?PageSize=1000"
    while url:
        body = get_json(url, basic(sid, token))
        pages.append(("emulator", body))
        nxt = body.get("next_page_uri")
        url = f"{args.base_url}{nxt}" if nxt else None
    for f in sorted(Path(args.fixtures).glob("*.json")):
        pages.append((f.name, json.loads(f.read_text())))
    records = 0
    for where, body in pages:
        for key in body:
            if key not in envelope:
                findings.append(f"{where}: the list has {key!r}, which the SDK's Page does not read")
        for record in body.get("calls") or []:
            records += 1
            if not isinstance(record, dict):
                continue
            found = []
            for key, value in record.items():
                if key not in known:
                    found.append(f"{key}: the SDK's CallInstance has no such field")
            status = record.get("status")
            if isinstance(status, str) and status not in statuses:
                found.append(f"status {status!r} is not a CallInstance.Status")
            findings.extend(f"{where}: {x}" for x in tolerated(where, found))
    for path in json.loads(args.reads):
        if path.split(".")[0].split("[")[0] not in known:
            findings.append(f"calllogs reads {path}, which the SDK's CallInstance does not have")
    # The SDK's own client: its filters (date-times), paging, one call, accounts.
    client = Client(sid, token)
    client.api.base_url = args.base_url
    after = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=args.days)
    listed = client.api.v2010.accounts(sid).calls.list(start_time_after=after, page_size=100)
    if len(listed) != args.expect:
        findings.append(f"the SDK's client listed {len(listed)} calls, the emulator holds {args.expect}")
    if listed:
        one = client.api.v2010.accounts(sid).calls(listed[0].sid).fetch()
        if one.sid != listed[0].sid:
            findings.append(f"fetching call {listed[0].sid} gave {one.sid}")
    accounts = client.api.v2010.accounts.list(limit=5)
    if [a.sid for a in accounts] != [sid]:
        findings.append(f"the SDK's accounts list gave {[a.sid for a in accounts]}")
    twilio_usage_check(args, client, (sid, token), listed, findings)
    return records, len(listed)


def twilio_usage_check(args, client, login, listed, findings):
    """The daily usage records (`calllogs audit`): every key the emulator
    sends is one the SDK's DailyInstance reads, the SDK's client lists them
    (its query, its paging), and their counts add up to the calls it listed
    that ended."""
    sid = login[0]
    from twilio.base.page import Page
    from twilio.rest.api.v2010.account.usage.record.daily import DailyInstance

    src = inspect.getsource(DailyInstance.__init__)
    known = set(re.findall(r'payload\.get\(\s*"([A-Za-z_]+)"', src))
    today = dt.datetime.now(dt.timezone.utc).date()
    first = today - dt.timedelta(days=args.days + 1)
    url = (
        f"{args.base_url}/2010-04-01/Accounts/{sid}/Usage/Records/Daily.json"
        f"?Category=calls&StartDate={first}&EndDate={today}&IncludeSubaccounts=false"
    )
    body = get_json(url, basic(*login))
    for key in body:
        if key not in set(Page.META_KEYS) | {"usage_records"}:
            findings.append(f"usage: the list has {key!r}, which the SDK's Page does not read")
    for record in body.get("usage_records") or []:
        for key in record:
            if key not in known:
                findings.append(f"usage: {key}: the SDK's DailyInstance has no such field")
    days = client.api.v2010.accounts(sid).usage.records.daily.list(
        category="calls", start_date=first, end_date=today, include_subaccounts=False
    )
    if len(days) != (today - first).days + 1:
        findings.append(f"usage: the SDK listed {len(days)} days from {first} to {today}")
    counted = sum(int(d.count) for d in days)
    ended = sum(1 for c in listed if c.status != "in-progress")
    if counted != ended:
        findings.append(f"usage: the records count {counted} calls, the SDK listed {ended} that ended")
    if any(d.category != "calls" or d.price is None for d in days):
        findings.append("usage: a record without the calls category or a price")


def plivo_check(args, creds, findings):
    import plivo
    import plivo.rest.client as rest

    auth_id, token = creds["PLIVO_AUTH_ID"], creds["PLIVO_AUTH_TOKEN"]
    # plivo-python names its hosts as module constants; point them here.
    base = f"{args.base_url}/v1/Account"
    for name in dir(rest):
        if name.endswith("BASE_URI") or "BASE_URI_FALLBACK" in name:
            setattr(rest, name, base)
    client = plivo.RestClient(auth_id, token)
    client.base_uri = base
    seen = set()
    offset = 0
    records = 0
    while True:
        page = client.calls.list(limit=20, offset=offset)
        objects = list(page)
        for call in objects:
            records += 1
            uuid = getattr(call, "call_uuid", None)
            if not uuid:
                findings.append("a call the SDK listed has no call_uuid")
            seen.add(uuid)
        if not objects or not getattr(page.meta, "next", None):
            break
        offset += len(objects)
    if len(seen) != args.expect:
        findings.append(f"the SDK's client listed {len(seen)} calls, the emulator holds {args.expect}")
    # plivo-python has no typed model of a call (a Call is a dict-like
    # resource): the envelope it reads (`meta`, `objects`) and the id are
    # all it can judge, of the fixtures too.
    from plivo.base import ListResponseObject

    for f in sorted(Path(args.fixtures).glob("*.json")):
        body = json.loads(f.read_text())
        if not isinstance(body.get("objects"), list) or not isinstance(body.get("meta"), dict):
            findings.append(f"{f.name}: not the envelope the SDK reads (meta, objects)")
            continue
        parsed = ListResponseObject(client, body)
        for call in parsed:
            records += 1
            uuid = call.get("call_uuid") if isinstance(call, dict) else getattr(call, "call_uuid", None)
            if not uuid and "odd" not in f.name:
                findings.append(f"{f.name}: a call without call_uuid")
    return records, len(seen)


def retell_check(args, creds, findings):
    from retell import Retell
    from retell.types import CallListResponse, PhoneCallResponse, WebCallResponse
    from retell.types.call_list_response import Item

    detail_model = typing.Union[PhoneCallResponse, WebCallResponse]
    key = creds["RETELL_API_KEY"]
    headers = {"Authorization": f"Bearer {key}"}
    # Raw pages and details from the emulator, walked against the models.
    pages, ids, cursor = [], [], None
    while True:
        body = {"limit": 1000, "sort_order": "ascending"}
        if cursor:
            body["pagination_key"] = cursor
        page = post_json(f"{args.base_url}/v3/list-calls", body, headers)
        pages.append(("emulator", page))
        ids += [c["call_id"] for c in page.get("items") or []]
        cursor = page.get("pagination_key")
        if not page.get("has_more"):
            break
    details = [("emulator detail", get_json(f"{args.base_url}/v2/get-call/{i}", headers)) for i in ids[:25]]
    fixture_pages, fixture_details = fixture_bodies(args.fixtures)
    walk_all(pages + fixture_pages, CallListResponse, findings)
    walk_all(details + fixture_details, detail_model, findings)
    reads_resolve(json.loads(args.reads), [Item, detail_model], findings, "call")
    # The SDK's own client: its request body, its cursor, its parsing.
    client = Retell(api_key=key, base_url=args.base_url)
    listed, cursor = [], None
    while True:
        extra = {"pagination_key": cursor} if cursor else {}
        got = client.call.list(limit=1000, sort_order="ascending", **extra)
        listed += got.items
        cursor = got.pagination_key
        if not got.has_more:
            break
    if len(listed) != args.expect:
        findings.append(f"the SDK's client listed {len(listed)} calls, the emulator holds {args.expect}")
    if listed:
        one = client.call.retrieve(listed[0].call_id)
        if one.call_id != listed[0].call_id:
            findings.append(f"retrieving {listed[0].call_id} gave {one.call_id}")
    records = sum(len(b.get("items") or []) for _, b in pages + fixture_pages)
    return records + len(details) + len(fixture_details), len(listed)


def elevenlabs_check(args, creds, findings):
    from elevenlabs import ElevenLabs
    from elevenlabs.types import (
        ConversationSummaryResponseModel,
        GetConversationResponseModel,
        GetConversationsPageResponseModel,
    )

    key = creds["ELEVENLABS_API_KEY"]
    headers = {"xi-api-key": key}
    pages, ids, cursor = [], [], None
    while True:
        url = f"{args.base_url}/v1/convai/conversations?page_size=100"
        if cursor:
            url += "&cursor=" + urllib.parse.quote(cursor)
        page = get_json(url, headers)
        pages.append(("emulator", page))
        ids += [c["conversation_id"] for c in page.get("conversations") or []]
        cursor = page.get("next_cursor")
        if not page.get("has_more"):
            break
    details = [
        ("emulator detail", get_json(f"{args.base_url}/v1/convai/conversations/{i}", headers))
        for i in ids[:25]
    ]
    fixture_pages, fixture_details = fixture_bodies(args.fixtures)
    walk_all(pages + fixture_pages, GetConversationsPageResponseModel, findings)
    walk_all(details + fixture_details, GetConversationResponseModel, findings)
    reads_resolve(
        json.loads(args.reads),
        [ConversationSummaryResponseModel, GetConversationResponseModel],
        findings,
        "conversation",
    )
    client = ElevenLabs(api_key=key, base_url=args.base_url)
    convs = client.conversational_ai.conversations
    listed, cursor = [], None
    while True:
        got = convs.list(page_size=100, cursor=cursor) if cursor else convs.list(page_size=100)
        listed += got.conversations
        cursor = got.next_cursor
        if not got.has_more:
            break
    if len(listed) != args.expect:
        findings.append(f"the SDK's client listed {len(listed)} conversations, the emulator holds {args.expect}")
    if listed:
        one = convs.get(listed[0].conversation_id)
        if one.conversation_id != listed[0].conversation_id:
            findings.append(f"getting {listed[0].conversation_id} gave {one.conversation_id}")
    records = sum(len(b.get("conversations") or []) for _, b in pages + fixture_pages)
    return records + len(details) + len(fixture_details), len(listed)


def telnyx_check(args, creds, findings):
    import telnyx
    from telnyx.pagination import DefaultFlatPaginationMeta

    key = creds["TELNYX_API_KEY"]
    headers = {"Authorization": f"Bearer {key}"}
    # The envelope: voice records have no model in the SDK (its union holds
    # messaging, conference, AMD, verify, SIM and storage records), so the
    # pages' `meta` is what its models judge; the records are read as
    # untyped objects, as the SDK itself does for unknown record types.
    pages, n = [], 1
    while True:
        url = (
            f"{args.base_url}/v2/detail_records?filter[record_type]=call-control"
            f"&sort=started_at&page[number]={n}&page[size]=50"
        )
        page = get_json(url, headers)
        pages.append(("emulator", page))
        meta = page.get("meta") or {}
        if n >= (meta.get("total_pages") or 0):
            break
        n += 1
    fixture_pages, _ = fixture_bodies(args.fixtures)
    walk_all([(w, p.get("meta") or {}) for w, p in pages + fixture_pages], DefaultFlatPaginationMeta, findings)
    # The SDK's own client: its filter encoding, its paging.
    client = telnyx.Telnyx(api_key=key, base_url=f"{args.base_url}/v2")
    listed = list(
        client.detail_records.list(
            filter={"record_type": "call-control"}, sort=["started_at"], page_size=50
        )
    )
    if len(listed) != args.expect:
        findings.append(f"the SDK's client listed {len(listed)} records, the emulator holds {args.expect}")
    # What the SDK documents: call-control records have no created_at, and
    # a filter on a field the type lacks is refused with a 400.
    try:
        client.detail_records.list(
            filter={"record_type": "call-control", "created_at": {"gte": "2026-01-01T00:00:00Z"}}
        )
        findings.append("a created_at filter on call-control records was accepted; the SDK says it is a 400")
    except telnyx.BadRequestError:
        pass
    records = sum(len(b.get("data") or []) for _, b in pages + fixture_pages)
    return records, len(listed)


def vonage_check(args, creds, findings):
    from vonage_jwt import JwtClient
    from vonage_voice.models.responses import CallInfo, CallList

    app = creds["VONAGE_APPLICATION_ID"]
    key = creds["VONAGE_PRIVATE_KEY"].replace("\\n", "\n")
    # The SDK's own JWT (its claims, its signature) must open the emulator.
    token = JwtClient(app, key).generate_application_jwt()
    if isinstance(token, bytes):
        token = token.decode()
    headers = {"Authorization": f"Bearer {token}"}
    pages, index = [], 0
    while True:
        page = get_json(f"{args.base_url}/v1/calls?page_size=100&record_index={index}&order=asc", headers)
        pages.append(("emulator", page))
        # The SDK's model parses every page whole (validation, not a walk).
        try:
            CallList(**page)
        except Exception as e:
            findings.append(f"the SDK's CallList refused a page: {type(e).__name__}: {str(e)[:200]}")
        index += page.get("page_size") or 100
        if index >= (page.get("count") or 0):
            break
    fixture_pages, _ = fixture_bodies(args.fixtures)
    walk_all(pages + fixture_pages, CallList, findings)
    reads_resolve(json.loads(args.reads), [CallInfo], findings, "CallInfo")
    listed = sum(len((b.get("_embedded") or {}).get("calls") or []) for _, b in pages)
    if listed != args.expect:
        findings.append(f"the SDK's JWT listed {listed} legs, the emulator holds {args.expect}")
    records = sum(len((b.get("_embedded") or {}).get("calls") or []) for _, b in pages + fixture_pages)
    return records, listed


CHECKS = {
    "vapi": vapi_check,
    "twilio": twilio_check,
    "plivo": plivo_check,
    "retell": retell_check,
    "elevenlabs": elevenlabs_check,
    "telnyx": telnyx_check,
    "vonage": vonage_check,
}


def ended_reasons():
    from vapi.types.call_ended_reason import CallEndedReason

    values = []
    for member in typing.get_args(CallEndedReason):
        if typing.get_origin(member) is typing.Literal:
            values.extend(typing.get_args(member))
    return values


def main():
    p = argparse.ArgumentParser()
    p.add_argument("provider")
    p.add_argument("--base-url")
    p.add_argument("--cred", action="append", default=[])
    p.add_argument("--reads", default="[]")
    p.add_argument("--fixtures")
    p.add_argument("--expect", type=int, default=0)
    p.add_argument("--days", type=int, default=31)
    p.add_argument("--ended-reasons", action="store_true")
    args = p.parse_args()
    if args.ended_reasons:
        print(json.dumps(ended_reasons()))
        return 0
    creds = dict(c.split("=", 1) for c in args.cred)
    findings = []
    try:
        records, sdk_calls = CHECKS[args.provider](args, creds, findings)
    except Exception as e:  # the SDK refused what the emulator sent
        records, sdk_calls = 0, 0
        findings.append(f"the SDK failed: {type(e).__name__}: {e}")
    # One line per distinct finding, with how often it occurred.
    counted = {}
    for f in findings:
        counted[f] = counted.get(f, 0) + 1
    out = [f if n == 1 else f"{f} (x{n})" for f, n in counted.items()]
    print(json.dumps({"records": records, "sdk_calls": sdk_calls, "findings": out}, indent=1))
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
