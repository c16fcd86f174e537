"""Signs webhooks with the providers' own libraries, and checks ours with them.

Reads one JSON object per line on stdin:
  {"op": "sign", "provider": ..., "url": ..., "body": ..., "secret": ..., "seed_hex": ...}
  {"op": "verify", "provider": ..., "url": ..., "body": ..., "secret": ..., "public_key": ..., "headers": {...}}
and writes one JSON object per line: {"headers": {...}} or {"valid": bool}.

Twilio: twilio.request_validator.RequestValidator. Plivo: plivo.utils.signature_v3.
Retell: retell.lib.webhook_auth. Telnyx: telnyx.lib.webhook_verification (verify), and
PyNaCl (the library it verifies with) to sign. Vapi publishes no helper: its HMAC
is computed here with Python's hmac, from the document.
"""

import hashlib
import hmac
import json
import sys
import time
from urllib.parse import parse_qsl


def form(body):
    return dict(parse_qsl(body, keep_blank_values=True))


def sign(req):
    p, url, body = req["provider"], req["url"], req["body"]
    if p == "twilio":
        from twilio.request_validator import RequestValidator

        return {"X-Twilio-Signature": RequestValidator(req["secret"]).compute_signature(url, form(body))}
    if p == "plivo":
        from plivo.utils.signature_v3 import construct_post_url, get_signature_v3

        nonce = "12345678901234567890"
        base = construct_post_url(url, form(body)).decode("utf-8")
        sig = get_signature_v3(req["secret"].encode("utf-8"), base, nonce.encode("utf-8"))
        return {"X-Plivo-Signature-V3": sig.decode("utf-8"), "X-Plivo-Signature-V3-Nonce": nonce}
    if p == "retell":
        from retell.lib.webhook_auth import symmetric

        return {"x-retell-signature": symmetric["sign"](body, req["secret"])}
    if p == "telnyx":
        import base64

        from nacl.signing import SigningKey

        ts = str(int(time.time()))
        signed = SigningKey(bytes.fromhex(req["seed_hex"])).sign(f"{ts}|{body}".encode("utf-8"))
        return {"telnyx-signature-ed25519": base64.b64encode(signed.signature).decode(), "telnyx-timestamp": ts}
    if p == "vapi":
        ts = str(int(time.time()))
        digest = hmac.new(req["secret"].encode(), f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
        return {"x-vapi-signature": digest, "x-vapi-timestamp": ts}
    raise ValueError(p)


def verify(req):
    p, url, body, h = req["provider"], req["url"], req["body"], req["headers"]
    lower = {k.lower(): v for k, v in h.items()}
    if p == "twilio":
        from twilio.request_validator import RequestValidator

        return RequestValidator(req["secret"]).validate(url, form(body), lower["x-twilio-signature"])
    if p == "plivo":
        from plivo.utils.signature_v3 import validate_v3_signature

        return validate_v3_signature(
            "POST", url, lower["x-plivo-signature-v3-nonce"], req["secret"], lower["x-plivo-signature-v3"], form(body)
        )
    if p == "retell":
        from retell.lib.webhook_auth import verify as retell_verify

        return retell_verify(body, req["secret"], lower["x-retell-signature"])
    if p == "telnyx":
        from telnyx.lib.webhook_verification import WebhookVerificationError, verify_webhook_signature

        try:
            verify_webhook_signature(body, h, req["public_key"])
            return True
        except WebhookVerificationError:
            return False
    if p == "vapi":
        ts = lower["x-vapi-timestamp"]
        digest = hmac.new(req["secret"].encode(), f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(digest, lower["x-vapi-signature"])
    raise ValueError(p)


for line in sys.stdin:
    req = json.loads(line)
    out = {"headers": sign(req)} if req["op"] == "sign" else {"valid": bool(verify(req))}
    print(json.dumps(out), flush=True)
