"""Prints $MYSECRET transformed as programs commonly print a secret, one form a line (a
command for tests/engine/test_secret_masking.py)."""

import base64
import json
import os
import sys
import time
import urllib.parse

value = os.environ["MYSECRET"]
raw = value.encode()
forms = {
    "b64": base64.b64encode(raw).decode(),
    "b64url": base64.urlsafe_b64encode(raw).decode(),
    "b64bare": base64.b64encode(raw).decode().rstrip("="),
    "basic1": base64.b64encode(b"u:" + raw).decode(),
    "basic2": base64.b64encode(b"me:" + raw).decode(),
    "basic3": base64.b64encode(b"you:" + raw + b"\n").decode(),
    "pct": urllib.parse.quote(value, safe=""),
    "plus": urllib.parse.quote_plus(value),
    "json": json.dumps({"t": value}),
    "json8": json.dumps({"t": value}, ensure_ascii=False),
}
for key, text in forms.items():
    print(key, text)
half = len(forms["b64"]) // 2  # one form in two writes a moment apart: two reads
sys.stdout.write("split " + forms["b64"][:half])
sys.stdout.flush()
time.sleep(0.3)
sys.stdout.write(forms["b64"][half:] + "\n")
print("short", base64.b64encode(b"ok").decode())
