"""The TypeScript verification snippet of docs/alerts.md, transpiled with the console's TypeScript and run by
Node.js: it accepts the CRM's signatures and refuses a changed body, a wrong secret and an old timestamp."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from crm_shared.alerts import signing

ROOT = Path(__file__).resolve().parents[2]
TYPESCRIPT = ROOT / "web" / "node_modules" / "typescript"

# Transpile the snippet (stdin) to CommonJS, load it, and answer each case of argv[2] with true/false.
RUNNER = """
const ts = require(process.argv[1]);
const src = require("fs").readFileSync(0, "utf8");
const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS,
                                                        target: ts.ScriptTarget.ES2022 } }).outputText;
const mod = { exports: {} };
new Function("require", "module", "exports", js)(require, mod, mod.exports);
const cases = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map((c) =>
  mod.exports.verifyCrmSignature(c.secret, c.header, Buffer.from(c.body, "base64")))));
"""

pytestmark = pytest.mark.web


def test_the_documented_typescript_verification_accepts_our_signatures_and_refuses_others() -> None:
    assert shutil.which("node"), "Node.js runs the console's build and this check"
    assert TYPESCRIPT.is_dir(), "the console's npm packages are installed by make test (make web-test)"
    doc = (ROOT / "docs" / "alerts.md").read_text(encoding="utf-8")
    snippet = re.search(r"```ts\n(import \{ createHmac.*?)```", doc, re.S)
    assert snippet is not None, "docs/alerts.md has no TypeScript verification snippet"
    body = b'{"id":"evt_1","type":"customer.upgraded","data":{"shop":"s1.myshopify.com"}}'
    now = int(time.time())
    good = signing.signature_header("whsec_doc", now, body)

    def case(secret: str, header: str, raw: bytes) -> dict[str, str]:
        return {"secret": secret, "header": header, "body": base64.b64encode(raw).decode()}

    cases = [
        case("whsec_doc", good, body),                                                   # ours: accepted
        case("whsec_doc", good, body.replace(b"evt_1", b"evt_2")),                       # body changed
        case("whsec_wrong", good, body),                                                 # another secret
        case("whsec_doc", signing.signature_header("whsec_doc", now - 600, body), body),  # a replay
        case("whsec_doc", f"t={now},v1={'0' * 64},{good.split(',')[1]}", body),          # rotation: one matches
        case("whsec_doc", "garbage", body),
    ]
    result = subprocess.run(["node", "-e", RUNNER, str(TYPESCRIPT), json.dumps(cases)], input=snippet.group(1),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, False, False, False, True, False]
