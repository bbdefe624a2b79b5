"""Taskcluster's Python client moving objects, for runtime/taskcluster/tests/objects_peer.rs and the bench.

    objects_peer.py upload ROOT_URL CLIENT_ID ACCESS_TOKEN PROJECT NAME FILE
    objects_peer.py download ROOT_URL CLIENT_ID ACCESS_TOKEN NAME FILE

Uses the official helpers (`taskcluster.upload.uploadFromFile`,
`taskcluster.download.downloadToFile`), which hash while streaming and verify on download.
Prints one JSON line: {"ok": true, "seconds": ...}, and writes the seconds to the file
$TC_BENCH_SECONDS_FILE names, if set (the benchmark's rows).
"""

import datetime
import json
import os
import sys
import time

import taskcluster
import taskcluster.download
import taskcluster.upload


def main():
    command, root_url, client_id, access_token = sys.argv[1:5]
    obj = taskcluster.Object(
        {
            "rootUrl": root_url,
            "credentials": {"clientId": client_id, "accessToken": access_token},
        }
    )
    start = time.monotonic()
    if command == "upload":
        project, name, path = sys.argv[5:8]
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        with open(path, "rb") as f:
            taskcluster.upload.uploadFromFile(
                projectId=project,
                name=name,
                contentType="application/octet-stream",
                contentLength=os.path.getsize(path),
                expires=expires,
                file=f,
                objectService=obj,
            )
    elif command == "download":
        name, path = sys.argv[5:7]
        with open(path, "wb") as f:
            taskcluster.download.downloadToFile(file=f, name=name, objectService=obj)
    else:
        sys.exit(f"unknown command {command!r}")
    seconds = time.monotonic() - start
    if os.environ.get("TC_BENCH_SECONDS_FILE"):
        with open(os.environ["TC_BENCH_SECONDS_FILE"], "w") as f:
            f.write(str(seconds))
    print(json.dumps({"ok": True, "seconds": seconds}))


if __name__ == "__main__":
    main()
