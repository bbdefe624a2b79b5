"""Cross-checks for tc-runtime: computes Hawk headers and bewits with `mohawk`, and signed
URLs, `ext` strings and temporary credentials with Taskcluster's Python client `taskcluster`,
all with fixed timestamps, nonces and seeds. Reads one JSON object on stdin, writes one on
stdout. Run by runtime/taskcluster/tests/python_peer.rs.
"""
import datetime
import json
import re
import sys
from unittest import mock

import mohawk
import mohawk.base
import mohawk.bewit
import taskcluster
import taskcluster.client


def attrs(header):
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def header(case):
    content = case.get("content")
    # Without content, leave mohawk's defaults (no payload hash) in place.
    body = {} if content is None else {"content": content, "content_type": "application/json"}
    sender = mohawk.Sender(
        credentials={"id": case["id"], "key": case["key"], "algorithm": "sha256"},
        url=case["url"],
        method=case["method"],
        always_hash_content=content is not None,
        nonce=case["nonce"],
        ext=case.get("ext"),
        _timestamp=case["ts"],
        **body,
    )
    a = attrs(sender.request_header)
    return {"mac": a["mac"], "hash": a.get("hash"), "ext": a.get("ext")}


def bewit(case):
    resource = mohawk.base.Resource(
        credentials={"id": case["id"], "key": case["key"], "algorithm": "sha256"},
        method="GET",
        ext=case.get("ext"),
        url=case["url"],
        timestamp=case["exp"],
        nonce="",
    )
    return mohawk.bewit.get_bewit(resource).rstrip("=")


def client_options(case):
    creds = {"clientId": case["client_id"], "accessToken": case["access_token"]}
    if case.get("certificate"):
        creds["certificate"] = case["certificate"]
    options = {"rootUrl": case["root_url"], "credentials": creds}
    if case.get("authorized_scopes") is not None:
        options["authorizedScopes"] = case["authorized_scopes"]
    return options


def ext(case):
    made = taskcluster.Auth(client_options(case)).makeHawkExt()
    return made.decode() if isinstance(made, bytes) else None


def signed_url(case):
    auth = taskcluster.Auth(client_options(case))
    with mock.patch("time.time", return_value=case["now"]):
        return auth.buildSignedUrl("testAuthenticateGet", expiration=case["ttl"])


def temporary(case):
    seed = case["seed"]
    utc = datetime.timezone.utc
    with mock.patch.object(taskcluster.client.utils, "slugId", side_effect=[seed[:22], seed[22:]]):
        creds = taskcluster.createTemporaryCredentials(
            case["client_id"],
            case["access_token"],
            datetime.datetime.fromtimestamp(case["start"], utc),
            datetime.datetime.fromtimestamp(case["expiry"], utc),
            case["scopes"],
            name=case.get("name"),
        )
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in creds.items()}


def main():
    cases = json.load(sys.stdin)
    out = {
        "headers": [header(c) for c in cases.get("headers", [])],
        "bewits": [bewit(c) for c in cases.get("bewits", [])],
        "exts": [ext(c) for c in cases.get("exts", [])],
        "signed_urls": [signed_url(c) for c in cases.get("signed_urls", [])],
        "temporary": [temporary(c) for c in cases.get("temporary", [])],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
