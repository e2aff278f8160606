"""Agent ready -> `offer` event latency of a running `routeflow serve` (benches/serve.sh).

For SAMPLES agents of the center in turn: open the agent's event stream, say it is ready, and time
until its `offer` event arrives; then reject the offer (the agent is put not ready, the workitem goes
back in line). Prints p50 and p99, and beside them those of the client's floor, timed in the same loop:
`GET /healthz` on a new connection (connect, one request, its reply). Usage: serve_offer.py BASE_URL ADMIN_TOKEN CENTER_YAML [SAMPLES]
"""

import http.client
import json
import re
import sys
import time
from urllib.parse import urlparse


def main():
    base, token, center = sys.argv[1:4]
    samples = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    url = urlparse(base)
    agents = re.findall(r"^\s*- \{?\s*id:\s*([^,\s}]+)", open(center).read(), re.M)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies = []
    floor = []
    for agent in agents[:samples]:
        probe = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        started = time.perf_counter()
        probe.request("GET", "/healthz")
        probe.getresponse().read()
        floor.append(time.perf_counter() - started)
        probe.close()
        stream = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        stream.request("GET", f"/v1/agents/{agent}/events", headers=headers)
        reply = stream.getresponse()
        assert reply.status == 200, reply.status
        api = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        started = time.perf_counter()
        api.request("PUT", f"/v1/agents/{agent}/state", body='{"state":"ready"}', headers=headers)
        # The reply shows what the agent holds or is offered: nothing, and no offer event will come.
        offered = json.loads(api.getresponse().read())["workitems"]
        offer = None
        while offer is None and offered:
            try:
                line = reply.fp.readline().decode()
            except TimeoutError:
                break  # this agent matches nothing waiting
            if not line:
                break
            if line.startswith("data: "):
                event = json.loads(line[6:])
                if event["event"] == "offer":
                    offer = event["offer"]
        if offer:
            latencies.append(time.perf_counter() - started)
        stream.close()
        if offer:
            api.request("POST", f"/v1/offers/{offer}/reject", headers=headers)
            api.getresponse().read()
        api.close()
    if not latencies:
        print("offer: no agent was offered anything (do the workitems match the center?)")
        return
    latencies.sort()
    floor.sort()
    p = lambda times, q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    print(
        f"offer: ready -> offer event over {len(latencies)} agents: "
        f"p50 {p(latencies, 0.5):.2f} ms, p99 {p(latencies, 0.99):.2f} ms (PUT state and the event read included); "
        f"floor, GET /healthz on a new connection: p50 {p(floor, 0.5):.2f} ms, p99 {p(floor, 0.99):.2f} ms"
    )


main()
