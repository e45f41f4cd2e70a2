"""A doctor's record read against a running careledger, with wrk:
`python3 bench/care_team_read.py BINARY PORT LABEL [CONNECTIONS [POSTGRES_URL]]`
(`BENCH_PIN=1`: server and wrk each on a core of their own).

Starts BINARY with `serve --demo --rate-limits off` on a fresh data directory (SQLite), signs in as
a demo doctor (enrolling TOTP), and runs wrk (2 threads, 64 connections, 10 s, twice) on
`GET /api/v1/records/{id}` for a record that doctor wrote. Prints one JSON line: requests/s, p50,
p99, non-2xx and the server's CPU time per request (utime + stime from /proc) per round. Used to measure the care-team check (issue 11) before/after, interleaved.
"""
import json, subprocess, sys, time, urllib.request, hmac, hashlib, base64, struct, os, shutil, re
def req(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    r = urllib.request.Request(base+path, data=data, method=method)
    r.add_header('content-type','application/json')
    if token: r.add_header('authorization','Bearer '+token)
    try:
        with urllib.request.urlopen(r) as resp: return resp.status, json.loads(resp.read() or b'null')
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read() or b'null')
def totp(secret):
    key = base64.b32decode(secret + '=' * (-len(secret) % 8))
    c = struct.pack('>Q', int(time.time())//30)
    h = hmac.new(key, c, hashlib.sha1).digest(); o = h[-1] & 15
    return '%06d' % ((struct.unpack('>I', h[o:o+4])[0] & 0x7fffffff) % 1000000)
binary, port, label = sys.argv[1], sys.argv[2], sys.argv[3]
conns = sys.argv[4] if len(sys.argv) > 4 else '64'
# A fifth argument: a PostgreSQL URL (a fresh database) instead of SQLite in the data directory.
db_args = ['--database-url', sys.argv[5]] if len(sys.argv) > 5 else []
d = f'/tmp/careledger-bench-{label}'; shutil.rmtree(d, ignore_errors=True)
# BENCH_PIN=1: the server on CPU 1 and wrk on CPU 0, so neither takes the other's core (steadier
# figures on a two-core machine; the server then has one core).
pin = os.environ.get('BENCH_PIN') == '1'
server_pin = ['taskset','-c','1'] if pin else []
wrk_pin = ['taskset','-c','0'] if pin else []
def cpu_seconds(pid):
    # utime + stime of the server (proc(5)), in seconds.
    f = open(f'/proc/{pid}/stat').read().rsplit(')',1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
p = subprocess.Popen(server_pin + [binary,'serve','--demo','--rate-limits','off','--listen',f'127.0.0.1:{port}','--data-dir',d] + db_args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
out = ''
while 'password for all' not in out: out += p.stdout.readline()
pw = re.search(r'password for all: ([^)]*)\)', out).group(1)
base = f'http://127.0.0.1:{port}'
s, t = req(base,'POST','/api/v1/auth/login',{'email':'dr.okafor@demo.careledger.test','password':pw})
tok = t['access_token']
s, e = req(base,'POST','/api/v1/me/mfa/totp',None,tok)
s, c = req(base,'POST','/api/v1/me/mfa/totp/confirm',{'code':totp(e['secret'])},tok)
assert s == 200, (s, c)
s, recs = req(base,'GET','/api/v1/records?limit=1',None,tok)
rid = recs['items'][0]['id']
s, one = req(base,'GET',f'/api/v1/records/{rid}',None,tok); assert s == 200, s
res = {}
for rnd in range(2):
    c0 = cpu_seconds(p.pid)
    o = subprocess.run(wrk_pin + ['wrk','-t2','-c'+conns,'-d10s','--latency','-H',f'Authorization: Bearer {tok}',f'{base}/api/v1/records/{rid}'],capture_output=True,text=True).stdout
    cpu = cpu_seconds(p.pid) - c0
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)',o).group(1))
    total = int(re.search(r'(\d+) requests in',o).group(1))
    p50 = re.search(r'^\s+50%\s+(\S+)',o,re.M).group(1); p99 = re.search(r'^\s+99%\s+(\S+)',o,re.M).group(1)
    non2 = re.search(r'Non-2xx or 3xx responses: (\d+)',o)
    res.setdefault('rounds',[]).append({'rps':rps,'p50':p50,'p99':p99,'non2xx':int(non2.group(1)) if non2 else 0,
        'server_cpu_us_per_request': round(cpu * 1e6 / total, 1)})
p.terminate(); p.wait()
print(json.dumps({'label':label, **res}))
