"""Schemathesis against the generated OpenAPI document (run by .ci/schemathesis).

Starts the built debug server on a free port with a fresh SQLite database
and the demo accounts, files a few real objects (a submission, an
enterprise, a draft, a 差评 and its case) so that operations on ids reach
their logic instead of 404, then runs `schemathesis run` on
/api/v1/openapi.json once per caller: anonymous, the demo citizen, a clerk
of the ★ lead department 县卫健局 (`clerk-health`), the admin and the county
office's `dispatcher`. Each run checks that no answer is a 5xx,
that statuses, content types and bodies match the document, over every
operation, bounded in examples. Exits non-zero on any failure.

Environment: ONETHING_SERVER_BIN (default target/debug/server),
SCHEMATHESIS_MAX_EXAMPLES (default 25), SCHEMATHESIS_SEED (default 20261201:
fixed, so that a run repeats the last one; set another to explore),
SCHEMATHESIS_KEEP=1 (keep the server's log and database),
SCHEMATHESIS_CHECKS (e.g. `all`, to explore beyond the contract checks).
"""

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Demo@2024"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def id_number(first17: str) -> str:
    """A 身份证号 with its GB 11643 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def credit_code(first17: str) -> str:
    """A 统一社会信用代码 with its GB 32100 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(alphabet.index(c) * w for c, w in zip(first17, weights))
    return first17 + alphabet[(31 - total % 31) % 31]


def start_server(data: Path, port: int) -> subprocess.Popen:
    default = Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "debug" / "server"
    binary = ROOT / os.environ.get("ONETHING_SERVER_BIN", str(default))
    # The server refuses unknown ONETHING_* settings (a typo must not fall
    # back to a default), so none is inherited: this stage sets its own.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ONETHING_")}
    env = {
        **inherited,
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{port}",
        "LEPTOS_SITE_ROOT": os.environ.get("LEPTOS_SITE_ROOT", "target/site"),
        "LEPTOS_OUTPUT_NAME": "onething",
        "ONETHING_DATABASE_URL": f"sqlite://{data}/schemathesis.db?mode=rwc",
        "ONETHING_DEMO": "1",
        "ONETHING_DATA_DIR": str(data),
        "ONETHING_LOG_FORMAT": "json",
        "RUST_LOG": os.environ.get("RUST_LOG", "info"),
    }
    log = open(data / "server.log", "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen([str(binary)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    until = time.monotonic() + 60
    while time.monotonic() < until:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if requests.get(f"{base}/api/v1/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer within 60 s")


def session(base: str, login: str | None) -> tuple[requests.Session, str | None]:
    """A client sending the site's own Origin (state-changing requests need
    it), logged in as `login`; returns it and its session token."""
    s = requests.Session()
    s.headers["Origin"] = base
    if login is None:
        return s, None
    r = s.post(f"{base}/api/v1/auth/login", json={"login": login, "password": PASSWORD}, timeout=10)
    r.raise_for_status()
    return s, s.cookies["onething_session"]


def expect(r: requests.Response, status: int) -> dict:
    if r.status_code != status:
        raise SystemExit(f"seeding: {r.request.method} {r.url} answered {r.status_code}: {r.text[:500]}")
    return r.json() if r.content else {}


# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def upload(base: str, s: requests.Session) -> str:
    return expect(s.post(f"{base}/api/v1/uploads", files={"file": ("photo.png", PNG, "image/png")}), 201)["id"]


def seed(base: str, citizen: requests.Session, clerk: requests.Session, admin: requests.Session) -> dict[str, str]:
    """Real objects for the operations that take an id, as environment
    variables for schemathesis.toml."""
    me = expect(citizen.get(f"{base}/api/v1/me"), 200)
    mother = id_number("61032619900101122")  # the demo citizen (services/demo.rs)
    father = id_number("61032619880202101")
    born = (date.today() - timedelta(days=10)).isoformat()
    newborn = {
        "applicant_name": me["name"],
        "applicant_id_number": mother,
        "applicant_phone": "13912345678",
        "contact_address": "眉县首善街道平阳街 12 号",
        "newborn_name": "张小宝",
        "newborn_gender": "female",
        "newborn_birth_date": born,
        "newborn_birth_place": "眉县人民医院",
        "mother_name": me["name"],
        "mother_id_number": mother,
        "father_name": "王大力",
        "father_id_number": father,
        "marriage_registration_date": "2022-05-20",
        "household_follow": "father",
        "household_address": "眉县首善街道平阳街 12 号",
        "residence_address": "眉县首善街道平阳街 12 号",
        "birth_record": {"files": [upload(base, citizen)]},
        "marriage_certificate": "commit",
        "household_register": {"files": [upload(base, citizen)]},
        "newborn_photo": {"files": [upload(base, citizen)]},
        "declaration_truthful": True,
    }
    created = expect(
        citizen.post(
            f"{base}/api/v1/submissions",
            json={"bundle": "newborn", "items": [], "data": newborn, "commitment_agreed": True},
        ),
        201,
    )
    health_item = next(w["id"] for w in created["work_items"] if w["item"] == "birth-certificate")
    # 县卫健局 completes 疫苗接种证 and the citizen gives it a 差评: a rating
    # and a case to act on.
    vaccination = next(w["id"] for w in created["work_items"] if w["item"] == "vaccination-certificate")
    for action in ("accept", "complete"):
        expect(clerk.post(f"{base}/api/v1/work-items/{vaccination}/actions", json={"action": action}), 200)
    rating = expect(
        citizen.post(f"{base}/api/v1/work-items/{vaccination}/rating", json={"score": 2, "comment": "等了很久"}),
        201,
    )
    expect(citizen.put(f"{base}/api/v1/drafts/newborn", json={"data": {"newborn_name": "张小宝"}}), 200)
    enterprise = expect(
        citizen.post(
            f"{base}/api/v1/enterprises",
            json={
                "credit_code": credit_code("91610326MA0000001"),
                "name": "眉县猕猴桃合作社",
                "legal_representative": me["name"],
                "legal_representative_id_number": mother,
            },
        ),
        201,
    )
    # A clerk whose session no run uses: the admin run may disable them.
    users = expect(admin.get(f"{base}/api/v1/admin/users", params={"role": "clerk", "department": "tax"}), 200)
    return {
        "ST_SUBMISSION": created["id"],
        "ST_WORK_ITEM": health_item,
        "ST_ENTERPRISE": enterprise["id"],
        "ST_USER": users["items"][0]["id"],
        "ST_UPLOAD": upload(base, citizen),
        "ST_RATING": rating["id"],
        "ST_CASE": rating["case"],
    }


def run_schemathesis(base: str, who: str, token: str | None, env: dict[str, str]) -> int:
    venv_bin = Path(sys.executable).parent
    args = [
        str(venv_bin / "schemathesis"),
        "--config-file",
        str(ROOT / ".ci" / "schemathesis.toml"),
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        os.environ.get("SCHEMATHESIS_CHECKS", CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"),
        "--seed",
        os.environ.get("SCHEMATHESIS_SEED", "20261201"),
        # One worker: the server is a debug build on a shared 2-core machine,
        # and results then do not depend on how requests interleave.
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--no-color",
        "--warnings",
        "off",
        "-H",
        f"Origin: {base}",
        # Logging out would end the session the rest of the run uses.
        "--exclude-operation-id",
        "logout",
    ]
    if token is not None:
        args += ["-H", f"Cookie: onething_session={token}"]
    print(f"\n==> schemathesis as {who}", flush=True)
    started = time.monotonic()
    code = subprocess.call(args, cwd=ROOT, env={**os.environ, **env})
    print(f"==> schemathesis as {who}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
    return code


def main() -> int:
    started = time.monotonic()
    data = Path(tempfile.mkdtemp(prefix="onething-schemathesis-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data, port)
    failed: list[str] = []
    callers: dict[str, tuple[requests.Session, str | None]] = {}
    finished = False
    try:
        wait_until_up(base, server)
        # Log every caller in before any run: the login fuzzing locks the
        # address out of logging in for a while (it answers 429 then).
        callers = {name: session(base, login) for name, login in [
            ("anonymous", None),
            ("citizen 13800138000", "13800138000"),
            ("clerk-health", "clerk-health"),
            ("admin", "admin"),
            ("dispatcher", "dispatcher"),
        ]}
        env = seed(base, callers["citizen 13800138000"][0], callers["clerk-health"][0], callers["admin"][0])
        for who, (_, token) in callers.items():
            if run_schemathesis(base, who, token, env) != 0:
                failed.append(who)
        finished = True
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if not finished:
            tail = (data / "server.log").read_text(errors="replace").splitlines()[-20:]
            print("the server's last log lines:", *tail, sep="\n", file=sys.stderr)
        if failed or not finished or os.environ.get("SCHEMATHESIS_KEEP"):
            print(f"server log: {data / 'server.log'}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    print(f"\nschemathesis stage: {time.monotonic() - started:.0f} s", flush=True)
    print(f"schemathesis: {len(callers) - len(failed)} passed, {len(failed)} failed", flush=True)
    if failed:
        print(f"schemathesis found failures as: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
