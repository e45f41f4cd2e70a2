#!/usr/bin/env python3
"""Crash test: kill -9 careledger while clients write records, restart it, and check that every
write it acknowledged (201) is still there and that `careledger ledger verify` passes.

Usage: bench/crash_test.py [--rounds 20] [--database-url URL]   (needs a release build)
Only loopback traffic; every loop is bounded in count and time.
"""
import argparse, os, random, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clinic import BIN, Clinic  # noqa: E402

clinic = Clinic(18941)
call = clinic.call


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
        server = clinic.start(data_dir, a.database_url)
        if token is None:
            token = clinic.doctor_token()
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
    server = clinic.start(data_dir, a.database_url)
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
