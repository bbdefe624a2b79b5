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


# OpenSSL's short names for the attributes of a subject, as mod_ssl writes them.
_SHORT = {
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "commonName": "CN",
    "domainComponent": "DC",
    "emailAddress": "emailAddress",
}


def _client_dn(environ):
    """The subject of the client's verified certificate, in the form Rucio's x509 identities
    use (`/DC=org/CN=someone`), or None: over HTTPS (start.sh's RUCIO_TLS_DIR) gunicorn's
    socket is an SSLSocket, whose getpeercert() is empty unless a certificate was verified."""
    sock = environ.get("gunicorn.socket")
    getpeercert = getattr(sock, "getpeercert", None)
    cert = getpeercert() if getpeercert else None
    if not cert:
        return None
    parts = [
        f"{_SHORT.get(key, key)}={value}"
        for rdn in cert.get("subject", ())
        for key, value in rdn
    ]
    return "/" + "/".join(parts) if parts else None


def application(environ, start_response):
    # What Apache's mod_ssl sets (SSLOptions +StdEnvVars); never a client's own header.
    environ.pop("SSL_CLIENT_S_DN", None)
    dn = _client_dn(environ)
    if dn:
        environ["SSL_CLIENT_S_DN"] = dn
    # What Apache's mod_wsgi sets and gunicorn does not (RAW_URI instead); the redirect views
    # read it.
    environ.setdefault("REQUEST_URI", environ.get("RAW_URI") or environ.get("PATH_INFO", ""))
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
