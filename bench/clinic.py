"""What the bench scripts share: a JSON client for a careledger on loopback, RFC 6238 codes, starting
a release server with the demo clinic, and a signed-in demo doctor (enrolled in TOTP, as doctors
must be). `python3 bench/clinic.py doctor-token PORT` prints such a token for shell scripts."""
import base64, hashlib, hmac, json, os, struct, subprocess, sys, time
import urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "careledger")
DEMO_PASSWORD = "harbor-violet-lantern-42"
DOCTOR = "dr.okafor@demo.careledger.test"


class Clinic:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.port = port

    def call(self, method, path, body=None, token=None, timeout=15):
        """(status, JSON body) of one request; HTTP errors are answers, not exceptions."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def start(self, data_dir, database_url="", log=None):
        """`careledger serve --demo --rate-limits off` on this port, once it is ready."""
        args = [BIN, "serve", "--demo", "--rate-limits", "off", "--listen", f"127.0.0.1:{self.port}", "--data-dir", data_dir]
        if database_url:
            args += ["--database-url", database_url]
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL,
                             env={**os.environ, "CARELEDGER_LOG": "warn"})
        for _ in range(200):
            try:
                if self.call("GET", "/readyz")[0] == 200:
                    return p
            except OSError:
                pass
            time.sleep(0.05)
        p.kill()
        sys.exit("careledger did not start")

    def doctor_token(self):
        """The demo doctor signs in and enrols in TOTP; the session lives in the database, so the
        token keeps working across restarts of the server."""
        status, body = self.call("POST", "/api/v1/auth/login", {"email": DOCTOR, "password": DEMO_PASSWORD})
        assert status == 200, body
        token = body["access_token"]
        secret = self.call("POST", "/api/v1/me/mfa/totp", {}, token)[1]["secret"]
        assert self.call("POST", "/api/v1/me/mfa/totp/confirm", {"code": totp(secret, time.time())}, token)[0] == 200
        return token


def totp(secret, t):
    """The 6-digit RFC 6238 code (HMAC-SHA-1, 30 s) of a base32 secret at time t."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    h = hmac.new(key, struct.pack(">Q", int(t) // 30), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


if __name__ == "__main__" and sys.argv[1:2] == ["doctor-token"]:
    print(Clinic(int(sys.argv[2])).doctor_token())
