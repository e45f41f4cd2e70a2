#!/usr/bin/env python3
"""What a ledger proof costs as the log grows (issue 9, finding 2): inclusion proofs
(`GET /api/v1/records/{id}/proof`) and consistency proofs (`GET /api/v1/ledger/consistency`)
against a running release server, one request at a time, at several log sizes; plus how long
after start the server has a signed head covering the whole log, and (with wrk) consistency
proofs under 64 connections.

The log is filled with synthetic entries written straight into the database (as a bulk load
would: `careledger demo` makes real records at about 5,000 a second, too slow for 1,000,000
entries in a benchmark run); the demo clinic's own records are the ones whose inclusion proofs
are asked for.

Usage:
  bench/ledger_proofs.py [--sizes 10000,100000,1000000] [--db sqlite|postgres]
                         [--server BINARY --label before] [--out bench/ledger-proofs.md]
PostgreSQL needs CARELEDGER_TEST_DATABASE_URL (a server to create databases in).
"""
import argparse, hashlib, json, os, random, shutil, signal, statistics, subprocess, sys, tempfile, time
import sqlite3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clinic import BIN, ROOT, Clinic  # noqa: E402

PORT = 18941


def entries(start, count):
    """Synthetic ledger rows: (idx, kind, subject, entry, leaf_hash, created_at)."""
    for i in range(start, start + count):
        entry = '{"synthetic":%d}' % i
        leaf = hashlib.sha256(b"\x00" + entry.encode()).hexdigest()
        yield (i, "synthetic", "s%d" % i, entry, leaf, "2026-01-01T00:00:00.000000Z")


def fill_sqlite(path, target):
    db = sqlite3.connect(path)
    have = db.execute("SELECT next_index FROM ledger_state WHERE id = 1").fetchone()[0]
    if target > have:
        db.executemany("INSERT INTO ledger_entries (idx, kind, subject_id, entry, leaf_hash, created_at) VALUES (?,?,?,?,?,?)",
                       entries(have, target - have))
        db.execute("UPDATE ledger_state SET next_index = ? WHERE id = 1", (target,))
        db.commit()
    db.close()


def psql(url, *args, stdin=None):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, *args], input=stdin, check=True,
                          capture_output=True, text=True).stdout


def fill_postgres(url, target):
    have = int(psql(url, "-At", "-c", "SELECT next_index FROM ledger_state WHERE id = 1").strip())
    if target > have:
        rows = "".join("\t".join(map(str, r)) + "\n" for r in entries(have, target - have))
        psql(url, "-c", "COPY ledger_entries (idx, kind, subject_id, entry, leaf_hash, created_at) FROM STDIN", stdin=rows)
        psql(url, "-c", f"UPDATE ledger_state SET next_index = {target} WHERE id = 1")


def start(binary, data_dir, url, extra):
    args = [binary, "serve", "--demo", "--rate-limits", "off", "--listen", f"127.0.0.1:{PORT}", "--data-dir", data_dir, *extra]
    if url:
        args += ["--database-url", url]
    log = open(os.path.join(data_dir, "server.log"), "ab")
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, "CARELEDGER_LOG": "warn"})
    c = Clinic(PORT)
    for _ in range(6000):
        try:
            if c.call("GET", "/readyz", timeout=2)[0] == 200:
                return p, c
        except OSError:
            pass
        if p.poll() is not None:
            sys.exit(f"server exited: see {data_dir}/server.log")
        time.sleep(0.05)
    p.kill()
    sys.exit("server did not start")


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()


def timed(c, path, token=None, budget=30.0, count=300):
    """Latencies (ms) of `count` sequential requests, or as many as fit in `budget` seconds."""
    out, t_end = [], time.time() + budget
    for i in range(count):
        p = path(i) if callable(path) else path
        t = time.perf_counter()
        status, body = c.call("GET", p, token=token, timeout=120)
        out.append((time.perf_counter() - t) * 1000)
        assert status == 200, (p, status, body)
        if time.time() > t_end and len(out) >= 5:
            break
    return out


def server_means(c):
    """The server's own mean time (ms) per proof route, from its Prometheus histogram (/metrics
    answers loopback callers): what a proof costs without this script's client overhead."""
    import urllib.request
    text = urllib.request.urlopen(c.base + "/metrics", timeout=10).read().decode()
    sums, counts = {}, {}
    for line in text.splitlines():
        for suffix, into in (("_sum", sums), ("_count", counts)):
            if line.startswith("http_request_duration_seconds" + suffix + "{") and 'status="200"' in line:
                route = line.split('route="', 1)[1].split('"', 1)[0]
                into[route] = into.get(route, 0.0) + float(line.rsplit(" ", 1)[1])
    want = {"/api/v1/records/{id}/proof": "inclusion", "/api/v1/ledger/consistency": "consistency"}
    return {name: 1000 * sums[r] / counts[r] for r, name in want.items() if counts.get(r)}


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def summary(xs):
    return {"n": len(xs), "mean": statistics.mean(xs), "p50": pct(xs, 50), "p95": pct(xs, 95), "p99": pct(xs, 99)}


def wrk(path, seconds=10, conns=64):
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", f"http://127.0.0.1:{PORT}{path}"],
                         capture_output=True, text=True).stdout
    rps = float(next(l.split()[1] for l in out.splitlines() if l.startswith("Requests/sec")))
    non2xx = next((int(l.split()[-1]) for l in out.splitlines() if "Non-2xx" in l), 0)
    errors = next((l.strip() for l in out.splitlines() if l.strip().startswith("Socket errors")), "")
    return {"rps": rps, "non_2xx": non2xx, "socket_errors": errors}


def run_size(binary, label, db, size, admin_url):
    d = tempfile.mkdtemp(prefix="cl-proofs-")
    url = ""
    if db == "postgres":
        name = f"cl_proofs_{os.getpid()}_{size}_{label or 'after'}"
        psql(admin_url, "-c", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}")
        url = admin_url.rsplit("/", 1)[0] + "/" + name
    # First start: schema, demo clinic, the demo doctor enrolled (their session is in the database).
    p, c = start(binary, d, url, [])
    token = c.doctor_token()
    status, page = c.call("GET", "/api/v1/records?limit=50", token=token)
    assert status == 200, page
    records = [r["id"] for r in page["items"]]
    stop(p)
    t = time.time()
    if db == "sqlite":
        fill_sqlite(os.path.join(d, "careledger.db"), size)
    else:
        fill_postgres(url, size)
    fill_secs = time.time() - t
    # Second start: the log is `size` entries; how long until a signed head covers it all. The
    # release before stored subtrees re-read every leaf per block, so it is given one big block.
    extra = ["--ledger-block-max-entries", "100000000"] if label == "before" else []
    t = time.time()
    p, c = start(binary, d, url, extra)
    while True:
        status, head = c.call("GET", "/api/v1/ledger/head", timeout=600)
        if status == 200 and head["tree_size"] >= size:
            break
        time.sleep(0.05)
    head_secs = time.time() - t
    n = head["tree_size"]
    rng = random.Random(7)
    firsts = [rng.randint(1, n) for _ in range(300)]
    res = {"size": n, "db": db, "label": label or "after", "fill_s": fill_secs, "first_head_s": head_secs}
    res["inclusion"] = summary(timed(c, lambda i: f"/api/v1/records/{records[i % len(records)]}/proof", token))
    res["consistency"] = summary(timed(c, lambda i: f"/api/v1/ledger/consistency?first={firsts[i]}&second={n}"))
    try:
        res["server_mean_ms"] = server_means(c)
    except Exception as e:  # an older server without loopback metrics, or none at all
        res["server_mean_ms"] = {"error": str(e)}
    res["wrk_consistency_64"] = wrk(f"/api/v1/ledger/consistency?first={n // 3}&second={n}")
    stop(p)
    if db == "postgres":
        psql(admin_url, "-c", f"DROP DATABASE IF EXISTS {name}")
    shutil.rmtree(d, ignore_errors=True)
    print(json.dumps(res), file=sys.stderr)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--server", default=BIN)
    ap.add_argument("--label", default="")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    a = ap.parse_args()
    admin_url = os.environ.get("CARELEDGER_TEST_DATABASE_URL", "")
    if a.db == "postgres" and not admin_url:
        sys.exit("set CARELEDGER_TEST_DATABASE_URL for PostgreSQL")
    results = [run_size(a.server, a.label, a.db, int(s), admin_url) for s in a.sizes.split(",")]
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, f"{a.label + '-' if a.label else ''}ledger-proofs-{a.db}.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print("| entries | inclusion p50 / p99 ms | consistency p50 / p99 ms | server mean ms (incl. / cons.) | first head after start | 64 conns, consistency/s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        w = r["wrk_consistency_64"]
        flood = "{:,.0f} ({} non-2xx)".format(w["rps"], w["non_2xx"]) if w else "n/a"
        sm = r.get("server_mean_ms", {})
        server = " / ".join(f"{sm[k]:.2f}" if isinstance(sm.get(k), float) else "n/a" for k in ("inclusion", "consistency"))
        print(f"| {r['size']:,} | {r['inclusion']['p50']:.2f} / {r['inclusion']['p99']:.2f} | "
              f"{r['consistency']['p50']:.2f} / {r['consistency']['p99']:.2f} | {server} | {r['first_head_s']:.1f} s | {flood} |")
    print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
