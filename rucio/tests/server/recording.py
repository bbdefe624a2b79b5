"""Rucio's WSGI application, recording every request it receives as one JSON line in
RUCIO_RECORD_FILE: method, path, query, the X-Rucio-* and Content-Type headers, and the body
(JSON when it parses). Tests compare what two clients send for the same call with it.

Secrets are never written: the values of X-Rucio-Auth-Token, X-Rucio-Password and the
Authorization header become "<set>". The body is read once and handed on unchanged.
"""

import io
import json
import os
import threading
import urllib.parse

if os.environ.get("RUCIO_TOKEN_LIFETIME"):
    from short_tokens import application as _inner
else:
    from rucio.web.rest.flaskapi.v1.main import application as _inner

_FILE = os.environ["RUCIO_RECORD_FILE"]
_LOCK = threading.Lock()
_SECRET = {"x-rucio-auth-token", "x-rucio-password", "authorization"}


def _headers(environ):
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_X_RUCIO_") or key == "HTTP_AUTHORIZATION":
            name = key[5:].replace("_", "-").lower()
        elif key == "CONTENT_TYPE" and value:
            name = "content-type"
        else:
            continue
        out[name] = "<set>" if name in _SECRET else value
    return out


def _body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    if not raw:
        return None
    try:
        return {"json": json.loads(raw)}
    except ValueError:
        return {"text": raw.decode("utf-8", "replace")}


def application(environ, start_response):
    entry = {
        "method": environ["REQUEST_METHOD"],
        "path": urllib.parse.unquote(environ.get("PATH_INFO", "")),
        "query": urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        "headers": _headers(environ),
        "body": _body(environ),
    }
    with _LOCK, open(_FILE, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry, sort_keys=True) + "\n")
    return _inner(environ, start_response)


__all__ = ["application"]
