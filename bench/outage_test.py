#!/usr/bin/env python3
"""Outage test on PostgreSQL: stop the database for 10 s under load and start it again. During
the outage careledger must answer 503 database_unavailable (not 500, not a hang); within 5 s of
the database returning it must answer again by itself; no acknowledged write may be lost.

Usage: bench/outage_test.py --pgdata DIR --pgport PORT [--outage 10]   (a release build, a
PostgreSQL cluster this script may stop and start as the postgres user, e.g. from
scripts/pg-test-cluster; only loopback traffic, every loop bounded.)
"""
import argparse, collections, os, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clinic import Clinic  # noqa: E402

clinic = Clinic(18951)
call = clinic.call


def pg(action, a):
    bindir = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
    ctl = f"/usr/lib/postgresql/{bindir}/bin/pg_ctl"
    args = [ctl, "-D", a.pgdata, "-w"]
    if action == "stop":
        args += ["-m", "fast", "stop"]
    else:
        args += ["-l", os.path.join(os.path.dirname(a.pgdata), "log"), "-o",
                 f"-c listen_addresses=127.0.0.1 -p {a.pgport} -k {os.path.dirname(a.pgdata)} -c max_connections=400", "start"]
    subprocess.run(["runuser", "-u", "postgres", "--"] + args if os.getuid() == 0 else args, check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgdata", required=True)
    ap.add_argument("--pgport", type=int, required=True)
    ap.add_argument("--outage", type=float, default=10)
    a = ap.parse_args()
    admin = f"postgres://postgres@127.0.0.1:{a.pgport}/postgres"
    db = f"cl_outage_{int(time.time())}"
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {db}"], check=True)
    url = f"postgres://postgres@127.0.0.1:{a.pgport}/{db}"
    data_dir = tempfile.mkdtemp(prefix="careledger-outage-")
    server = clinic.start(data_dir, url, log=open(os.path.join(data_dir, "server.log"), "w"))
    token = clinic.doctor_token()
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()
    outcomes = collections.Counter()
    slowest = [0.0]

    def writer():
        n = 0
        while not stop.is_set() and n < 100000:
            n += 1
            t0 = time.time()
            try:
                status, body = call("POST", "/api/v1/records", {"patient_email": "maria.santos@demo.careledger.test",
                                                               "title": "Outage test", "notes": "x"}, token)
            except OSError:
                status, body = "transport error", None
            took = time.time() - t0
            with lock:
                slowest[0] = max(slowest[0], took)
                code = body.get("code") if isinstance(body, dict) else None
                outcomes[(status, code)] += 1
                if status == 201:
                    acknowledged.append(body["id"])
            if status != 201:
                time.sleep(0.2)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    pg("stop", a)
    down_at = time.time()
    time.sleep(a.outage)
    during = dict(outcomes)
    pg("start", a)
    up_at = time.time()
    recovered = None
    while time.time() - up_at < 30:
        if call("GET", "/readyz")[0] == 200 and call("GET", "/api/v1/me", token=token)[0] == 200:
            recovered = time.time() - up_at
            break
        time.sleep(0.1)
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    missing = [rid for rid in acknowledged if call("GET", f"/api/v1/records/{rid}", token=token)[0] != 200]
    server.send_signal(signal.SIGTERM)
    server.wait()
    print("outcomes:", {f"{s} {c or ''}".strip(): n for (s, c), n in sorted(outcomes.items(), key=str)})
    print(f"outage {a.outage:.0f}s; slowest answer {slowest[0]:.1f}s; recovered {recovered:.2f}s after the database returned" if recovered is not None else "did not recover within 30 s")
    print(f"{len(acknowledged)} acknowledged writes, {len(missing)} missing; server log: {data_dir}/server.log")
    bad = [k for k in outcomes if k[0] not in (201, 503)]
    ok = recovered is not None and recovered <= 5 and not missing and not bad
    print("outage test", "passed" if ok else f"FAILED (unexpected answers: {bad})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
