"""careledger's main flow through a client generated from its OpenAPI document by a third-party
generator (openapi-python-client): a doctor and a patient register, the doctor signs in and turns
on two-factor sign-in, writes a record for the patient and attaches a file (the multipart upload);
the patient signs in, lists and reads the record, downloads the file and reads themselves over
FHIR. Every call goes through the generated functions and models; any refusal stops the run.

Usage: python3 flow.py BASE_URL   (the generated package `careledger_client` on PYTHONPATH)
"""

import base64
import hashlib
import hmac
import io
import struct
import sys
import time
import urllib.parse

from careledger_client import AuthenticatedClient, Client
from careledger_client.api.auth import login, mfa_begin, mfa_confirm, register
from careledger_client.api.fhir import patient as fhir_patient
from careledger_client.api.records import attach, create, download, get, list_
from careledger_client.models import Login, MfaCode, NewRecord, Registration, Upload
from careledger_client.types import File

BASE = sys.argv[1]
PASSWORD = "harbor-violet-lantern-42"


def totp(secret: str, uri: str) -> str:
    """The current code (RFC 6238) with the parameters the otpauth URI gives."""
    q = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)
    digits = int(q.get("digits", ["6"])[0])
    period = int(q.get("period", ["30"])[0])
    algorithm = q.get("algorithm", ["SHA1"])[0].lower().replace("-", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // period), algorithm).digest()
    offset = mac[-1] & 0x0F
    number = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(number).zfill(digits)


def ok(value, what):
    """A generated call's parsed answer, or the run stops with what the server said."""
    name = type(value).__name__
    if value is None or name == "Problem" or name.endswith(("Response401", "Response403", "Response404", "Response422")):
        raise SystemExit(f"{what} refused: {value!r}")
    return value


anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)
doctor = ok(register.sync(client=anonymous, body=Registration(email="dana@clinic.example", full_name="Dana Doctor", password=PASSWORD, role="doctor")), "doctor registration")
patient = ok(register.sync(client=anonymous, body=Registration(email="pat@example.org", full_name="Pat Patient", password=PASSWORD, role="patient")), "patient registration")

tokens = ok(login.sync(client=anonymous, body=Login(email="dana@clinic.example", password=PASSWORD)), "doctor sign-in")
dana = AuthenticatedClient(base_url=BASE, token=tokens.access_token, raise_on_unexpected_status=True)
enrolment = ok(mfa_begin.sync(client=dana), "two-factor enrolment")
ok(mfa_confirm.sync(client=dana, body=MfaCode(code=totp(enrolment.secret, enrolment.otpauth_uri))), "two-factor confirmation")

record = ok(create.sync(client=dana, body=NewRecord(title="Knee pain", notes="Right knee, two weeks.", patient_id=str(patient.id), record_type="visit")), "record")
scan = b"X-ray: no fracture.\n"
upload = Upload(file=File(payload=io.BytesIO(scan), file_name="xray.txt", mime_type="text/plain"))
info = ok(attach.sync(id=record.id, client=dana, body=upload), "file upload")
assert info.sha256 == hashlib.sha256(scan).hexdigest(), info
assert info.filename == "xray.txt", info

tokens = ok(login.sync(client=anonymous, body=Login(email="pat@example.org", password=PASSWORD)), "patient sign-in")
pat = AuthenticatedClient(base_url=BASE, token=tokens.access_token, raise_on_unexpected_status=True)
page = ok(list_.sync(client=pat), "the patient's records")
assert [r.id for r in page.items] == [record.id], page
mine = ok(get.sync(id=record.id, client=pat), "the record")
assert (mine.title, mine.notes, mine.doctor_name) == ("Knee pain", "Right knee, two weeks.", "Dana Doctor"), mine
file = download.sync_detailed(id=record.id, sha256=info.sha256, client=pat)
assert file.status_code == 200 and file.content == scan, file
me = fhir_patient.sync_detailed(id=patient.id, client=pat)
assert me.status_code == 200, me
fhir = me.parsed.to_dict() if hasattr(me.parsed, "to_dict") else {}
assert fhir.get("resourceType") == "Patient" and fhir.get("id") == str(patient.id), fhir
print("FLOW OK", record.id, info.sha256)
