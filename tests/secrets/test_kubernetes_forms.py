"""Kubernetes Secret manifests in every form people commit them: kind in any case, JSON output of
`kubectl get -o json`, Secrets inside a `List`, binary key material, decoded config files, and the
public material (certificates) a TLS Secret also holds, which is not a secret."""

from __future__ import annotations

import base64
import json
import os

from buildrunner.engine.model import Document
from tests.secrets.test_structured import HUMAN, K8S, RANDOM, b64, found


def k8s(matcher, text, path="deploy/secret.yaml"):
    return found(matcher, text, path=path, rule=K8S)


def test_kind_in_lower_case_and_data_before_metadata(builtin_matcher):
    text = f"apiVersion: v1\nkind: secret\ndata:\n  token: {b64(RANDOM)}\nmetadata:\n  name: app\n"
    assert k8s(builtin_matcher, text) == [(4, b64(RANDOM))]


def test_secrets_inside_a_list(builtin_matcher):
    text = (
        "apiVersion: v1\n"
        "kind: List\n"
        "items:\n"
        "- apiVersion: v1\n"
        "  kind: ConfigMap\n"
        "  data:\n"
        f"    password: {b64(HUMAN)}\n"
        "- apiVersion: v1\n"
        "  kind: Secret\n"
        "  metadata:\n"
        "    name: db\n"
        "  data:\n"
        f"    password: {b64(HUMAN)}\n"
        "  - kind: Secret\n"  # malformed indentation is not followed
        "- kind: Secret\n"
        "  stringData:\n"
        f"    api-key: {RANDOM}\n"
    )
    assert k8s(builtin_matcher, text) == [(13, b64(HUMAN)), (17, RANDOM)]


def test_json_manifest_and_json_list(builtin_matcher):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
              "data": {"password": b64(HUMAN), "username": b64("app")}}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"password": b64(HUMAN)}}
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [config, secret]}, indent=2)
    lines = text.splitlines()
    line = next(i for i, ln in enumerate(lines, 1) if b64(HUMAN) in ln and i > lines.index('      "kind": "Secret",'))
    assert k8s(builtin_matcher, text, path="secret.json") == [(line, b64(HUMAN))]
    compact = json.dumps(secret | {"stringData": {"token": RANDOM}})
    assert k8s(builtin_matcher, compact, path="secret.json") == [(1, b64(HUMAN)), (1, RANDOM)]


def test_json_configmap_is_not_reported(builtin_matcher):
    text = json.dumps({"kind": "ConfigMap", "data": {"password": b64(HUMAN)}, "note": "kind: Secret"})
    assert k8s(builtin_matcher, text, path="cm.json") == []


def test_random_binary_data_is_key_material(builtin_matcher):
    key = base64.b64encode(b"\0" * 12 + os.urandom(48)).decode()  # zero bytes: `AAAA…` is no placeholder
    assert k8s(builtin_matcher, f"kind: Secret\ndata:\n  keystore.jks: {key}\n") == [(3, key)]


def test_short_or_flag_like_binary_is_not(builtin_matcher):
    text = f"kind: Secret\ndata:\n  flags: {base64.b64encode(bytes([0, 1, 0, 1] * 8)).decode()}\n"
    assert k8s(builtin_matcher, text) == []


def test_certificates_are_public_material(builtin_matcher):
    pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n"
    der = base64.b64encode(os.urandom(64)).decode()
    text = f"kind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.crt: {b64(pem)}\n  ca.der: {der}\n  tls.key: {b64(pem)}\n"
    assert k8s(builtin_matcher, text) == []  # a PEM certificate, under any key, and DER under a cert name
    private = f"-----BEGIN PRIVATE KEY-----\n{RANDOM}{RANDOM[::-1]}\n-----END PRIVATE KEY-----\n"
    text = f"kind: Secret\ndata:\n  tls.key: {b64(private)}\n"
    assert k8s(builtin_matcher, text) == [(3, b64(private))]


def test_decoded_docker_config_is_judged_by_its_auth(builtin_matcher):
    real = json.dumps({"auths": {"https://registry.example.com/v1/": {"auth": b64(f"ci:{HUMAN}")}}})
    fake = json.dumps({"auths": {"https://registry.example.com/v1/": {"auth": "<auth>"}}})
    text = f"kind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {b64(real)}\n"
    assert k8s(builtin_matcher, text) == [(4, b64(real))]
    text = f"kind: Secret\ndata:\n  .dockerconfigjson: {b64(fake)}\n"
    assert k8s(builtin_matcher, text) == []


def test_decoded_env_file_is_judged_by_its_credentials(builtin_matcher):
    env = f"LOG_LEVEL=debug\nAPI_HOST=api.example.com\nAPI_TOKEN={RANDOM}\n"
    text = f"kind: Secret\ndata:\n  app.env: {b64(env)}\n"
    assert k8s(builtin_matcher, text) == [(3, b64(env))]
    env = "LOG_LEVEL=debug\nAPI_HOST=api.example.com\nAPI_TOKEN=${API_TOKEN}\n"
    assert k8s(builtin_matcher, f"kind: Secret\ndata:\n  app.env: {b64(env)}\n") == []


def test_kind_secret_keyword_in_prose_is_not_a_manifest(builtin_matcher):
    text = f"# set kind: Secret below\nkind: Deployment\ndata:\n  token: {b64(RANDOM)}\n"
    assert [f for f in builtin_matcher.scan(Document(path="d.yaml", text=text)) if f.rule_id == K8S] == []
