"""Keystore / PKCS#12 files are reported by path, through `br security check` on a real git repository."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
RULE = "secrets.keystore-file"  # shipped in the built-in pack


def make_p12(directory, name="server.p12") -> bytes:
    """A real PKCS#12 keystore (key + self-signed certificate), made by openssl."""
    key, cert, out = directory / "k.pem", directory / "c.pem", directory / name
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=test"], check=True, capture_output=True)
    subprocess.run(["openssl", "pkcs12", "-export", "-inkey", str(key), "-in", str(cert), "-out", str(out),
                    "-passout", "pass:Hx7kP2qLm9wZ"], check=True, capture_output=True)
    data = out.read_bytes()
    for p in (key, cert, out):
        p.unlink()
    return data


def keystore_findings(br, root, *args):
    res = br("security", "check", "--json", *args, cwd=root)
    data = json.loads(res.stdout)
    return res, sorted((f["path"], f["line"]) for f in data["findings"] if f["rule_id"] == RULE), data


def test_tracked_binary_p12_is_reported_at_line_1(git_repo, br, tmp_path):
    p12 = make_p12(tmp_path)
    assert b"\0" in p12[:8192]  # binary: the content scan skips it
    git_repo.write("certs/README.md", "Certificates for the staging cluster.\n")
    (git_repo.root / "certs" / "server.p12").write_bytes(p12)
    (git_repo.root / "deploy").mkdir()
    (git_repo.root / "deploy" / "release.JKS").write_bytes(b"\xfe\xed\xfe\xed\x00\x00\x00\x02" + p12[:64])
    (git_repo.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    git_repo.add()
    git_repo.commit("certs")
    res, got, data = keystore_findings(br, git_repo.root)
    assert res.exit_code == 1, res.output
    assert got == [("certs/server.p12", 1), ("deploy/release.JKS", 1)]
    finding = next(f for f in data["findings"] if f["path"] == "certs/server.p12")
    assert finding["fingerprint"] and "Hx7kP2qLm9wZ" not in res.stdout


def test_staged_keystore_is_reported(git_repo, br, tmp_path):
    git_repo.write("README.md", "hello\n")
    git_repo.add()
    git_repo.commit("init")
    (git_repo.root / "client.pfx").write_bytes(make_p12(tmp_path))
    git_repo.add()
    res, got, _data = keystore_findings(br, git_repo.root, "--staged")
    assert got == [("client.pfx", 1)], res.output


def test_no_keystore_no_finding(git_repo, br):
    git_repo.write("src/p12.py", "KEYSTORE = 'certs/server.p12'\n")
    (git_repo.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    git_repo.add()
    git_repo.commit("code")
    _res, got, _data = keystore_findings(br, git_repo.root)
    assert got == []
