"""One web view's load on a server (benches/ui_viewers.sh): what the page of GET /ui does, without a browser.

It follows GET /v1/events (read whole by curl, so that the reader's own cost stays small: this machine's
cores are the server's too) and refreshes its numbers once a second, as the page does under a stream of
events: GET /v1/flows, /v1/clock, /v1/queues, /v1/agents and the flow's block counts. Runs until killed
(SIGTERM); then prints the refreshes' times (p50, p99, max) and the stream's bytes read, on one line.

Usage: python3 ui_viewer.py BASE_URL TOKEN
"""
import http.client
import os
import tempfile
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

base, token = sys.argv[1:3]
url = urllib.parse.urlparse(base)
headers = {"Authorization": f"Bearer {token}"}
times = []
stop = threading.Event()


def follow():
    return subprocess.Popen(
        ["curl", "-sN", "-o", received.name, "-H", f"Authorization: Bearer {token}", f"{base}/v1/events"])


def refresh(connection):
    for path in ("/v1/flows", "/v1/clock", "/v1/queues", "/v1/agents",
                 "/v1/flows/gtr_sample/versions/1/blocks"):
        connection.request("GET", path, headers=headers)
        reply = connection.getresponse()
        body = reply.read()
        if reply.status != 200:
            raise SystemExit(f"{path}: {reply.status} {body[:200]!r}")
        json.loads(body)


def report(*_):
    stop.set()
    stream.terminate()
    stream.wait()
    read = os.path.getsize(received.name)
    os.unlink(received.name)
    ordered = sorted(times) or [0.0]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    print(f"refreshes {len(times)}  p50 {pick(0.5):.1f} ms  p99 {pick(0.99):.1f} ms  "
          f"max {ordered[-1] * 1000:.1f} ms  stream {int(read) / 1e6:.1f} MB read", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, report)
received = tempfile.NamedTemporaryFile(prefix="ui-viewer-", delete=False)
received.close()
stream = follow()
connection = http.client.HTTPConnection(url.hostname, url.port)
while True:
    started = time.monotonic()
    refresh(connection)
    took = time.monotonic() - started
    times.append(took)
    time.sleep(max(0.0, 1.0 - took))
