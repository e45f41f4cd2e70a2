#!/usr/bin/env python3
"""Crash test: kill -9 careledger while clients write records, restart it, and check that every
write it acknowledged (201) is still there and that `careledger ledger verify` passes.

Usage: bench/crash_test.py [--rounds 20] [--database-url URL]   (needs a release build)
Only loopback traffic; every loop is bounded in count and time.
"""
import argparse, base64, hashlib, hmac, json, os, random, signal, struct, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "careledger")
PORT = 18941
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "harbor-violet-lantern-42"


def call(method, path, body=None, token=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def totp(secret, t):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    h = hmac.new(key, struct.pack(">Q", int(t) // 30), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def start(data_dir, url):
    args = [BIN, "serve", "--demo", "--rate-limits", "off", "--listen", f"127.0.0.1:{PORT}", "--data-dir", data_dir]
    if url:
        args += ["--database-url", url]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "CARELEDGER_LOG": "warn"})
    for _ in range(200):
        try:
            if call("GET", "/readyz")[0] == 200:
                return p
        except OSError:
            pass
        time.sleep(0.05)
    p.kill()
    sys.exit("careledger did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--writers", type=int, default=8)
    a = ap.parse_args()
    data_dir = tempfile.mkdtemp(prefix="careledger-crash-")
    acknowledged = []
    token = None
    lock = threading.Lock()
    for rnd in range(1, a.rounds + 1):
        server = start(data_dir, a.database_url)
        if token is None:
            # The demo doctor signs in and enrols in TOTP once; the session lives in the
            # database, so the same token keeps working across every restart.
            status, body = call("POST", "/api/v1/auth/login", {"email": "dr.okafor@demo.careledger.test", "password": PASSWORD})
            assert status == 200, body
            token = body["access_token"]
            secret = call("POST", "/api/v1/me/mfa/totp", {}, token)[1]["secret"]
            assert call("POST", "/api/v1/me/mfa/totp/confirm", {"code": totp(secret, time.time())}, token)[0] == 200
        # Everything acknowledged before the crash must still be there.
        for rid in acknowledged:
            status, _ = call("GET", f"/api/v1/records/{rid}", token=token)
            assert status == 200, f"round {rnd}: acknowledged record {rid} is gone ({status})"
        stop = threading.Event()

        def writer():
            n = 0
            while not stop.is_set() and n < 2000:
                n += 1
                try:
                    status, body = call("POST", "/api/v1/records", {"patient_email": "maria.santos@demo.careledger.test",
                                                                   "title": f"Crash round {rnd}", "notes": "x"}, token, timeout=2)
                except OSError:
                    return
                if status == 201:
                    with lock:
                        acknowledged.append(body["id"])

        threads = [threading.Thread(target=writer) for _ in range(a.writers)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.5, 1.5))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for t in threads:
            t.join(timeout=10)
        print(f"round {rnd}: killed with {len(acknowledged)} acknowledged writes so far", flush=True)
    # Final check, then the ledger.
    server = start(data_dir, a.database_url)
    missing = [rid for rid in acknowledged if call("GET", f"/api/v1/records/{rid}", token=token)[0] != 200]
    server.send_signal(signal.SIGTERM)
    server.wait()
    verify = subprocess.run([BIN, "ledger", "verify", "--data-dir", data_dir] + (["--database-url", a.database_url] if a.database_url else []),
                            capture_output=True, text=True, env={**os.environ, "CARELEDGER_LOG": "warn"})
    print(verify.stdout.strip())
    print(f"{a.rounds} kills, {len(acknowledged)} acknowledged writes, {len(missing)} missing")
    sys.exit(0 if not missing and verify.returncode == 0 else 1)


if __name__ == "__main__":
    main()
