#!/usr/bin/env python3
"""Sends malformed requests to `imago serve` and checks every answer.

Usage: robustness.py PORT TOKEN COUNT SEED

Kinds of requests (all malformed; none may succeed):
  paths     random paths and methods, and near-misses of real ones
  json      real routes with broken JSON: truncated, garbage, deep nesting
  types     real routes with fields of the wrong type or unknown fields, and
            schema fields the local cloud refuses (encryption keys, GPUs, ...)
  hostile   images.insert with rawDisk.source naming host files, other
            users' paths, traversal out of a bucket, devices, remote URLs
  query     real routes with bad query values (maxResults, filter, pageToken, requestId)
  noauth    no token or a wrong one
  big       bodies over the server's limit (4 MiB)
  raw       broken HTTP: garbage request lines, bad headers, lying lengths
  slow      clients that send half a request and stall
Every answer must be a 4xx with GCE's error shape:
  {"error": {"code": N, "message": str, "errors": [{"message", "domain", "reason"}]}}
Connections the server closes without an answer (only broken HTTP may get
that) are counted and printed. Exits 1 on the first wrong answer.
"""
import http.client
import json
import random
import socket
import sys
import threading
import time
import traceback
import urllib.parse

PORT, TOKEN, COUNT, SEED = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
P = "/compute/v1/projects/local"
AUTH = {"Authorization": "Bearer " + TOKEN}
ROUTES_POST = [
    P + "/setCommonInstanceMetadata", P + "/global/images", P + "/zones/local-a/disks", P + "/zones/local-a/instances",
    P + "/global/images/small-v1/setLabels", P + "/global/images/small-v1/deprecate",
    P + "/zones/local-a/disks/keep/createSnapshot", P + "/zones/local-a/instances/nope/setMetadata",
    P + "/zones/local-a/instances/nope/attachDisk", P + "/zones/local-a/instances/nope/start",
    P + "/zones/local-a/instances/nope/stop", P + "/zones/local-a/instances/nope/reset",
    P + "/zones/local-a/instances/nope/detachDisk?deviceName=x",
    P + "/zones/local-a/instances/nope/setDeletionProtection?deletionProtection=maybe",
    P + "/global/instanceTemplates", P + "/global/healthChecks", P + "/zones/local-a/instanceGroupManagers",
    P + "/zones/local-a/instanceGroupManagers/nope/resize?size=-1", P + "/zones/local-a/instanceGroupManagers/nope/resize?size=x",
    P + "/zones/local-a/instanceGroupManagers/nope/setInstanceTemplate",
    P + "/zones/local-a/instanceGroupManagers/nope/recreateInstances",
    P + "/zones/local-a/instanceGroupManagers/nope/deleteInstances",
    P + "/zones/local-a/instanceGroupManagers/nope/listManagedInstances",
    P + "/zones/local-a/instanceGroups/nope/setNamedPorts",
    P + "/global/backendServices", P + "/global/backendServices/nope/getHealth",
    P + "/global/urlMaps", P + "/global/targetHttpProxies", P + "/targetHttpProxies/nope/setUrlMap",
    P + "/global/forwardingRules", P + "/global/forwardingRules/nope/setTarget",
    P + "/zones/local-a/autoscalers",
]
ROUTES_GET = [P + "/global/images", P + "/global/operations", P + "/zones/local-a/disks",
              P + "/zones/local-a/instances", P + "/global/snapshots", P + "/zones/local-a/operations",
              P + "/regions", P + "/zones/local-a/machineTypes", P + "/aggregated/disks",
              P + "/aggregated/instances", P + "/aggregated/operations", P + "/aggregated/machineTypes",
              P + "/global/instanceTemplates", P + "/global/healthChecks",
              P + "/zones/local-a/instanceGroupManagers", P + "/zones/local-a/instanceGroups",
              P + "/global/backendServices", P + "/global/urlMaps", P + "/global/targetHttpProxies",
              P + "/global/forwardingRules", P + "/zones/local-a/autoscalers"]
# Reads that succeed with good parameters; a malformed `fields` must be a 400.
ROUTES_GET_ONE = ["/compute/v1/projects/local", P + "/regions/local", P + "/zones/local-a",
                  P + "/zones/local-a/machineTypes/e2-micro", P + "/global/images/small-v1"]
# rawDisk.source values no request may import: files of the host, paths out
# of the buckets (HOME/buckets), devices, /proc, URLs of other hosts.
HOSTILE_SOURCES = [
    "/etc/passwd", "/etc/shadow", "file:///etc/passwd", "/proc/self/mem", "/proc/self/environ",
    "/dev/zero", "/dev/sda", "/root/.ssh/id_rsa", "../../catalog.db", "catalog.db", "./disks",
    "/", "", " ", "\u0000/etc/passwd", "/etc/passwd\u0000.tar.gz",
    "gs://my-bucket/../../catalog.db", "gs://my-bucket/..%2f..%2fcatalog.db", "gs://../etc/passwd", "gs:///etc/passwd",
    "gs://my-bucket/", "gs://my-bucket", "gs://nosuch/x.tar.gz", "gs://my-bucket/%00", "gs://my-bucket/.",
    "https://storage.googleapis.com/my-bucket/../../catalog.db", "https://storage.googleapis.com/../../etc/passwd",
    "https://storage.googleapis.com/my-bucket/%2e%2e/%2e%2e/catalog.db",
    "https://example.com/disk.tar.gz", "http://127.0.0.1:1/disk.tar.gz", "http://169.254.169.254/computeMetadata/v1/",
    "ftp://storage.googleapis.com/b/x", "storage.googleapis.com/b/x", "https://storage.cloud.google.com/b/x",
    # robustness_test.sh puts these in bucket my-bucket: symlinks out of it.
    "gs://my-bucket/link.tar.gz", "gs://my-bucket/passwd.tar.gz", "gs://my-bucket/etc/passwd", "gs://my-bucket/dir.tar.gz",
    "https://storage.googleapis.com/my-bucket/link.tar.gz", "https://storage.googleapis.com/my-bucket/etc/shadow",
]
# Schema fields whose values the local cloud cannot honour, or of the wrong
# type: each must be a 400 in GCE's shape, whatever else the body says.
def refused_fields(rng, name):
    images, disks, instances = P + "/global/images", P + "/zones/local-a/disks", P + "/zones/local-a/instances"
    vm = {"name": name, "machineType": "zones/local-a/machineTypes/e2-micro",
          "disks": [{"boot": True, "initializeParams": {"sourceImage": "global/images/small-v1"}}]}
    boot = {"boot": True, "initializeParams": {"sourceImage": "global/images/small-v1"}}
    templates, checks = P + "/global/instanceTemplates", P + "/global/healthChecks"
    groups = P + "/zones/local-a/instanceGroupManagers"
    services, rules = P + "/global/backendServices", P + "/global/forwardingRules"
    scalers = P + "/zones/local-a/autoscalers"
    props = {"machineType": "e2-micro", "disks": [boot]}
    return rng.choice([
        (images, {"name": name, "sourceImage": "small-v1", "imageEncryptionKey": {"rawKey": "a" * 44}}),
        (images, {"name": name, "sourceImage": "small-v1", "architecture": "PDP11"}),
        (images, {"name": name, "sourceImage": "small-v1", "guestOsFeatures": [{"type": "NO_SUCH_FEATURE"}]}),
        (images, {"name": name, "sourceImage": "small-v1", "storageLocations": "us"}),
        (images, {"name": name, "sourceImage": "small-v1", "shieldedInstanceInitialState": {"pk": 5}}),
        (images, {"name": name, "sourceImage": "small-v1", "rawDisk": {"source": "gs://b/x.tar.gz"}}),
        (disks, {"name": name, "sourceImage": "small-v1", "diskEncryptionKey": {"rawKey": "a" * 44}}),
        (disks, {"name": name, "sizeGb": "1", "replicaZones": ["zones/local-a", "zones/local-b"]}),
        (disks, {"name": name, "sizeGb": "1", "type": "zones/local-a/diskTypes/no-such-type"}),
        (disks, {"name": name, "sizeGb": "1", "type": "zones/local-b/diskTypes/pd-ssd"}),
        (disks, {"name": name, "sourceDisk": "zones/local-a/disks/keep"}),
        (disks, {"name": name, "sizeGb": "1", "storagePool": "x"}),
        (instances, {**vm, "guestAccelerators": [{"acceleratorType": "nvidia-tesla-t4", "acceleratorCount": 1}]}),
        (instances, {**vm, "disks": [{**boot, "type": "SCRATCH"}]}),
        (instances, {**vm, "disks": [{**boot, "mode": "READ_ONLY"}]}),
        (instances, {**vm, "disks": [{**boot, "initializeParams": {"sourceImage": "global/images/small-v1",
                                                                    "diskType": "pd-turbo"}}]}),
        (instances, {**vm, "disks": [{**boot, "initializeParams": {"sourceImage": "global/images/small-v1", "nope": 1}}]}),
        (instances, {**vm, "networkInterfaces": [{"network": "global/networks/other"}]}),
        (instances, {**vm, "networkInterfaces": [{"network": "global/networks/default"}, {"network": "global/networks/default"}]}),
        (instances, {**vm, "scheduling": {"onHostMaintenance": "SOMETIMES"}}),
        (instances, {**vm, "shieldedInstanceConfig": {"enableVtpm": "yes"}}),
        (instances, {**vm, "sourceMachineImage": "global/machineImages/m"}),
        (templates, {"name": name, "properties": {**props, "guestAccelerators": [{"acceleratorCount": 1}]}}),
        (templates, {"name": name, "properties": {**props, "machineType": "zones/local-a/machineTypes/e2-micro"}}),
        (templates, {"name": name, "properties": {**props, "disks": [{**boot, "source": "zones/local-a/disks/keep"}]}}),
        (templates, {"name": name, "properties": {**props, "metadata": {"items": [{"key": "imago-ports", "value": "8080:80"}]}}}),
        (templates, {"name": name, "properties": {**props, "status": "RUNNING"}}),
        (templates, {"name": name, "sourceInstance": "zones/local-a/instances/x", "properties": props}),
        (checks, {"name": name, "type": "GRPC", "grpcHealthCheck": {"port": 50051}}),
        (checks, {"name": name, "type": "HTTP", "httpsHealthCheck": {"port": 443}}),
        (checks, {"name": name, "type": "HTTP", "timeoutSec": 10, "checkIntervalSec": 5}),
        (checks, {"name": name, "type": "TCP", "tcpHealthCheck": {"port": 0x10000}}),
        (checks, {"name": name, "type": "HTTP", "httpHealthCheck": {"requestPath": "no-slash"}}),
        (checks, {"name": name, "type": "HTTP", "sourceRegions": ["us-central1"]}),
        (groups, {"name": name, "instanceTemplate": "global/instanceTemplates/nope", "targetSize": 1}),
        (groups, {"name": name, "versions": [{"instanceTemplate": "a"}, {"instanceTemplate": "b"}], "targetSize": 1}),
        (groups, {"name": name, "instanceTemplate": "x", "targetSize": 5000}),
        (groups, {"name": name, "instanceTemplate": "x", "targetSize": -1}),
        (groups, {"name": name, "instanceTemplate": "x", "targetSize": 1, "statefulPolicy": {"preservedState": {"disks": {"d": {"autoDelete": "NEVER"}}}}}),
        (groups, {"name": name, "instanceTemplate": "x", "targetSize": 1, "updatePolicy": {"type": "SOMETIMES"}}),
        (groups, {"name": name, "instanceTemplate": "x", "targetSize": 1, "updatePolicy": {"maxSurge": {"fixed": -3}}}),
        (groups, {"name": name, "instanceTemplate": "x", "targetSize": 1, "autoHealingPolicies": [{"healthCheck": "nope"}, {"healthCheck": "nope2"}]}),
        (groups, {"name": name, "instanceTemplate": "x", "targetSize": 1, "targetPools": ["regions/r/targetPools/p"]}),
        (services, {"name": name, "protocol": "GRPC", "healthChecks": ["global/healthChecks/x"]}),
        (services, {"name": name, "healthChecks": ["global/healthChecks/nope"]}),
        (services, {"name": name, "healthChecks": ["a", "b"]}),
        (services, {"name": name, "healthChecks": ["x"], "backends": [{"group": "zones/local-a/instanceGroups/nope"}]}),
        (services, {"name": name, "healthChecks": ["x"], "backends": [{"group": "g", "capacityScaler": 7}]}),
        (services, {"name": name, "healthChecks": ["x"], "backends": [{"group": "g", "capacityScaler": "lots"}]}),
        (services, {"name": name, "healthChecks": ["x"], "sessionAffinity": "CLIENT_IP"}),
        (services, {"name": name, "healthChecks": ["x"], "connectionDraining": {"drainingTimeoutSec": 99999}}),
        (services, {"name": name, "healthChecks": ["x"], "timeoutSec": -5}),
        (P + "/global/urlMaps", {"name": name, "defaultService": "global/backendServices/nope"}),
        (P + "/global/urlMaps", {"name": name, "defaultService": "x", "pathMatchers": [{"name": "m"}]}),
        (P + "/global/targetHttpProxies", {"name": name, "urlMap": "global/urlMaps/nope"}),
        (rules, {"name": name, "target": "global/targetHttpProxies/nope", "portRange": "8080"}),
        (rules, {"name": name, "target": "x", "portRange": "8080-8090"}),
        (rules, {"name": name, "target": "x", "portRange": "99999"}),
        (rules, {"name": name, "target": "x", "portRange": "8080", "IPAddress": "10.0.0.1"}),
        (rules, {"name": name, "target": "x", "portRange": "8080", "IPProtocol": "UDP"}),
        (rules, {"name": name, "target": "x", "portRange": "8080", "ports": ["80"]}),
        (scalers, {"name": name, "target": "nope", "autoscalingPolicy": {"maxNumReplicas": 2}}),
        (scalers, {"name": name, "target": "x", "autoscalingPolicy": {"maxNumReplicas": -1}}),
        (scalers, {"name": name, "target": "x", "autoscalingPolicy": {"maxNumReplicas": 2, "mode": "MAYBE"}}),
        (scalers, {"name": name, "target": "x", "autoscalingPolicy": {"maxNumReplicas": 2, "cpuUtilization": {"utilizationTarget": "high"}}}),
        (scalers, {"name": name, "target": "x", "autoscalingPolicy": {"maxNumReplicas": 2, "scalingSchedules": {"s": {"schedule": "0 * * * *"}}}}),
    ])


lock = threading.Lock()
stats = {"answers": 0, "closed": 0}
failures = []


def check_answer(kind, desc, status, body):
    with lock:
        stats["answers"] += 1
    ok = 400 <= status < 500
    try:
        j = json.loads(body)
        e = j["error"]
        ok = ok and e["code"] == status and isinstance(e["message"], str) and e["message"]
        ok = ok and isinstance(e["errors"], list) and e["errors"]
        ok = ok and all(isinstance(x.get("reason"), str) and x.get("domain") == "global"
                        and isinstance(x.get("message"), str) for x in e["errors"])
    except Exception:
        ok = False
    if not ok:
        with lock:
            failures.append(f"{kind}: {desc} -> {status} {body[:300]!r}")


def rand_text(rng, n):
    alphabet = "abcXYZ019-_./%?#&=:;@!$'()*+,[]{}~ \t\\\"\u00e9\u4e2d\U0001F600"
    return "".join(rng.choice(alphabet) for _ in range(n))


def quote(s):
    return urllib.parse.quote(s.encode("utf-8", "surrogatepass"), safe="/-_.")


def mutate_json(rng, good):
    s = json.dumps(good)
    r = rng.randrange(6)
    if r == 0:
        return s[: rng.randrange(1, max(2, len(s)))]  # Truncated.
    if r == 1:
        return "".join(chr(rng.randrange(0, 256)) for _ in range(rng.randrange(1, 200)))
    if r == 2:
        d = rng.choice([100, 1000, 100000])
        return "[" * d + "]" * d if rng.random() < 0.5 else '{"a":' * d + "1" + "}" * d
    if r == 3:
        return s.replace(":", "", 1)
    if r == 4:
        return s + "garbage"
    return rng.choice(["null", "1", '"str"', "[]", "true", "", "{", "}", '{"":}'])


def wrong_types(rng):
    name = "x" + str(rng.randrange(10**9))
    bodies = [
        {"name": rng.choice([5, True, None, [], {}, "", "UPPER", "a" * 70, "-bad", "1abc"])},
        {"name": name, "family": rng.choice([1, [], {}, "Bad Family"])},
        {"name": name, "labels": rng.choice(["x", 1, [], {"K": "v"}, {"k": 1}, {"k" * 70: "v"}])},
        {"name": name, "rawDisk": rng.choice([1, "x", {"source": 5}, {"source": "relative/path"}])},
        {"name": name, "sourceImage": rng.choice([1, {}, " ", "projects//global/images/x", "http://"])},
        {"name": name, "unknownField": 1},
        {"name": name, "sizeGb": rng.choice(["-1", "abc", 1.5, "99999999999999999999", -5])},
        {"name": name, "disks": rng.choice([{}, "x", [1], [{"boot": "yes"}], [{"initializeParams": 5}]])},
        {"name": name, "metadata": rng.choice([[], {"items": {}}, {"items": [{"key": 1}]}, {"items": [{"key": "a", "value": 1}]}])},
        {"name": name, "machineType": rng.choice([1, "zones/local-a/machineTypes/huge-99"]), "disks": []},
        {"labels": {"a": "b"}, "labelFingerprint": 12},
        {"state": rng.choice(["SOON", 1, [], "deprecated"])},
        {"kind": "compute#somethingElse", "name": name},
        {"items": 1, "fingerprint": []},
        {"source": 7, "deviceName": []},
    ]
    return rng.choice(bodies)


def one_request(conn, method, path, body=None, headers=None):
    h = dict(AUTH)
    if headers is not None:
        h = headers
    if body is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/json"
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    return r.status, r.read().decode("utf-8", "replace")


def worker(wid, n):
    rng = random.Random(SEED * 1000 + wid)
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    prev = ""
    for i in range(n):
        if i:
            prev = kind
        kind = rng.choice(["paths", "json", "json", "types", "types", "query", "noauth", "raw", "paths",
                           "refused", "hostile", "fields"])
        if i % 500 == 0:
            kind = "big"
        if i % 700 == 1:
            kind = "slow"
        try:
            if kind == "paths":
                segs = [rand_text(rng, rng.randrange(0, 12)) for _ in range(rng.randrange(0, 8))]
                base = rng.choice(["/compute/v1/projects/", "/compute/v2/", "/", "/compute/v1/projects/local/", P + "/global/", P + "/zones/local-a/"])
                path = base + "/".join(quote(s) for s in segs)
                # Deeper than any route of the API (a lone segment below
                # projects/ can be a valid project id or number: projects.get).
                if path.startswith("/compute/v1/projects/"):
                    path += "/zzz/zzz/zzz/zzz"
                method = rng.choice(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "FOO"])
                # A method HTTP does not know ends its connection (the server
                # cannot know where the body ends): use a fresh one.
                conn.close()
                st, body = one_request(conn, method, path, body=rand_text(rng, rng.randrange(0, 50)) if method in ("POST", "PUT", "PATCH") else None)
                if method == "OPTIONS" and st == 200:
                    raise AssertionError("OPTIONS answered 200")
                check_answer(kind, f"{method} {path}", st, body)
            elif kind == "json":
                path = rng.choice(ROUTES_POST)
                good = {"name": "zzz", "sourceImage": "small-v1"}
                b = mutate_json(rng, good)
                if path.endswith("/deprecate") and b.strip() in ("", "{}", "null"):
                    b = "{"  # An empty deprecate body is valid (it un-deprecates).
                st, body = one_request(conn, "POST", path, body=b.encode("utf-8", "surrogatepass") if isinstance(b, str) else b)
                check_answer(kind, f"POST {path} {b[:60]!r}", st, body)
            elif kind == "types":
                path = rng.choice(ROUTES_POST)
                b = json.dumps(wrong_types(rng))
                st, body = one_request(conn, "POST", path, body=b)
                check_answer(kind, f"POST {path} {b[:100]}", st, body)
            elif kind == "refused":
                path, b = refused_fields(rng, "r" + str(rng.randrange(10**9)))
                b = json.dumps(b)
                st, body = one_request(conn, "POST", path, body=b)
                check_answer(kind, f"POST {path} {b[:160]}", st, body)
            elif kind == "hostile":
                src = rng.choice(HOSTILE_SOURCES)
                b = json.dumps({"name": "h" + str(rng.randrange(10**9)), "rawDisk": {"source": src}})
                st, body = one_request(conn, "POST", P + "/global/images", body=b)
                check_answer(kind, f"POST images rawDisk.source={src!r}", st, body)
            elif kind == "fields":
                path = rng.choice(ROUTES_GET + ROUTES_GET_ONE)
                bad = rng.random() < 0.7
                sel = rng.choice(["items(name", "(", ")", "a,,b", "items()", "a/", "/a", "a b", "items(name))",
                                  "\\u00e9", "*(", "a(b(c(d", ",", "a;b", "items(name)x"]) if bad \
                    else rand_text(rng, rng.randrange(1, 30))
                q = "fields=" + quote(sel)
                st, body = one_request(conn, "GET", path + "?" + q)
                if st == 200 and not bad:  # Random text may be a valid selection.
                    json.loads(body)
                    with lock:
                        stats["answers"] += 1
                else:
                    check_answer(kind, f"GET {path}?{q}", st, body)
            elif kind == "query":
                path = rng.choice(ROUTES_GET)
                q = rng.choice([
                    "maxResults=" + rng.choice(["-1", "abc", "501", "99999999999", "1.5", ""]),
                    "filter=" + quote(rng.choice(["name = (", "nosuch = 1", "name eq '(['", "a b c", "labels.x = ", "name ~ x"])),
                    "pageToken=" + quote(rand_text(rng, rng.randrange(1, 80))),
                    "orderBy=" + quote(rng.choice(["size", "name desc desc", "creationTimestamp asc"])),
                ])
                if q == "maxResults=":
                    q = "maxResults=x"
                st, body = one_request(conn, "GET", path + "?" + q)
                check_answer(kind, f"GET {path}?{q}", st, body)
                if rng.random() < 0.3:  # A requestId that is not a UUID on a mutation.
                    st, body = one_request(conn, "POST", P + "/global/images?requestId=" + quote(rand_text(rng, 10)),
                                           body=json.dumps({"name": "zzz" + str(i), "sourceImage": "small-v1"}))
                    check_answer(kind, "bad requestId", st, body)
            elif kind == "noauth":
                path = rng.choice(ROUTES_GET + ROUTES_POST)
                hdrs = rng.choice([{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"},
                                   {"Authorization": "Bearer " + TOKEN + "x"}, {"Authorization": ""}])
                st, body = one_request(conn, rng.choice(["GET", "POST", "DELETE"]), path, body="{}", headers=hdrs)
                if st != 401:
                    raise AssertionError(f"noauth got {st} for {hdrs} after {prev}: {body[:200]}")
                check_answer(kind, f"noauth {path}", st, body)
            elif kind == "big":
                c2 = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                try:
                    big = b'{"name":"' + b"a" * (5 << 20) + b'"}'
                    st, body = one_request(c2, "POST", rng.choice(ROUTES_POST), body=big)
                    check_answer(kind, "5 MiB body", st, body)
                except (ConnectionError, BrokenPipeError, http.client.HTTPException, socket.timeout):
                    with lock:
                        stats["closed"] += 1
                finally:
                    c2.close()
            elif kind == "raw":
                raw = rng.choice([
                    b"GARBAGE\r\n\r\n",
                    b"GET\r\n\r\n",
                    b"GET / HTTP/9.9\r\n\r\n",
                    b"GET /compute/v1/projects/local/global/images HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                    b"POST " + P.encode() + b"/global/images HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}",
                    b"POST " + P.encode() + b"/global/images HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                    b"POST " + P.encode() + b"/global/images HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
                    b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
                    b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 100000 + b"\r\n\r\n",
                    bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) + b"\r\n\r\n",
                ])
                # Send, then read one answer. The server may close with our
                # bytes unread, and then TCP can reset the answer away: a
                # cut answer counts as a closed connection, not as an answer.
                s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
                data = b""
                try:
                    s.sendall(raw)
                    while True:
                        head, sep, rest = data.partition(b"\r\n\r\n")
                        if sep:
                            length = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                                      if l.lower().startswith(b"content-length:")]
                            if length and len(rest) >= length[0]:
                                break
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except (ConnectionError, socket.timeout):
                    pass
                finally:
                    s.close()
                head, sep, body = data.partition(b"\r\n\r\n")
                length = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                          if l.lower().startswith(b"content-length:")]
                if not sep or not length or len(body) < length[0]:
                    with lock:
                        stats["closed"] += 1
                else:
                    parts = head.split(b" ")
                    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                    check_answer(kind, f"raw {raw[:50]!r}", status, body[: length[0]].decode("utf-8", "replace"))
            elif kind == "slow":
                # Half a request, then silence: the server must drop it in time
                # and keep answering others meanwhile.
                s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
                s.sendall(b"POST " + P.encode() + b"/global/images HTTP/1.1\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 50\r\n\r\n{\"na")
                threading.Timer(20, s.close).start()
                st, body = one_request(conn, "GET", P + "/global/images/zzz-missing")
                check_answer(kind, "a request beside a stalled client", st, body)
        except (ConnectionError, http.client.HTTPException, socket.timeout) as e:
            with lock:
                stats["closed"] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        except AssertionError as e:
            with lock:
                failures.append(f"{kind}: {e}")
        except Exception:
            with lock:
                failures.append(f"{kind}: the test client failed: {traceback.format_exc()}")
        if failures:
            return


threads = 8
per = (COUNT + threads - 1) // threads
t0 = time.time()
ws = [threading.Thread(target=worker, args=(w, per)) for w in range(threads)]
for w in ws:
    w.start()
for w in ws:
    w.join()
total = per * threads
if stats["answers"] < total * 0.95:
    failures.append(f"only {stats['answers']} of {total} requests were answered")
print(f"{per * threads} malformed requests in {time.time() - t0:.1f} s: {stats['answers']} answers, all 4xx in GCE's shape: "
      f"{'no' if failures else 'yes'}; {stats['closed']} connections closed without an answer")
for f in failures[:10]:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
