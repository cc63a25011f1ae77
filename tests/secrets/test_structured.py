"""Structured secrets: Kubernetes Secret manifests and Docker config.json auths, through the real matcher."""

from __future__ import annotations

import base64

import pytest

from buildrunner.engine.model import Document
from buildrunner.engine.secret_structures import kubernetes_secret

HUMAN = "Hx7!kP2q@Lm9wZ"
RANDOM = "Zq8wL3mT9vR2xK7pB4nY6cJ1"
K8S = "secrets.kubernetes-secret-data"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def found(matcher, text, path="k8s/secret.yaml", rule=None):
    out = []
    for f in matcher.scan(Document(path=path, text=text)):
        if rule is None or f.rule_id == rule:
            lines = text.splitlines()
            value = lines[f.line - 1][f.column - 1:] if f.end_line > f.line else \
                lines[f.line - 1][f.column - 1:f.end_column - 1]
            out.append((f.line, value))
    return out


MANIFEST = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  password: {b64(HUMAN)}
  api_key: {RANDOM}
---
apiVersion: v1
kind: Secret
metadata:
  name: app
type: Opaque
data:
  DB_PASSWORD: {b64(HUMAN)}
  "api-token": "{b64(RANDOM)}"
  empty: ""
  placeholder: {b64("changeme")}
  templated: {{{{ .Values.db.password | b64enc }}}}
stringData:
  SMTP_PASSWORD: '{HUMAN}'
  tls.key: |
    {RANDOM}
    {RANDOM[::-1]}
  from_env: ${{SMTP_PASSWORD}}
  helm: "{{{{ .Values.smtp.password }}}}"
---
kind: Secret
data:
  token: {b64(RANDOM)}  # second document
"""


def test_every_secret_value_is_reported_at_its_line(builtin_matcher):
    assert found(builtin_matcher, MANIFEST, rule=K8S) == [
        (15, b64(HUMAN)),
        (16, b64(RANDOM)),
        (21, HUMAN),
        (23, RANDOM),
        (30, b64(RANDOM)),
    ]


def test_block_scalar_finding_spans_its_lines(builtin_matcher):
    [f] = [f for f in builtin_matcher.scan(Document(path="s.yaml", text=MANIFEST))
           if f.rule_id == K8S and f.line == 23]
    assert (f.end_line, f.column) == (24, 5)
    assert RANDOM not in f.snippet  # masked


def test_configmap_and_other_kinds_are_not_reported(builtin_matcher):
    text = f"kind: ConfigMap\ndata:\n  password: {b64(HUMAN)}\n"
    assert found(builtin_matcher, text, rule=K8S) == []
    text = f"kind: SecretProviderClass\nstringData:\n  password: {HUMAN}\n"
    assert found(builtin_matcher, text, rule=K8S) == []


def test_nested_data_is_not_the_secrets(builtin_matcher):
    text = f"kind: Secret\nmetadata:\n  annotations:\n    data:\n      note: {b64(HUMAN)}\n"
    assert found(builtin_matcher, text, rule=K8S) == []


@pytest.mark.parametrize("value", ["changeme", "your-password-here", "${DB_PASSWORD}", "{{ .Values.pw }}"])
def test_placeholder_and_templated_values_decoded_are_not_reported(builtin_matcher, value):
    text = f"kind: Secret\ndata:\n  password: {b64(value)}\nstringData:\n  other: '{value}'\n"
    assert found(builtin_matcher, text, rule=K8S) == []


def test_binary_data_is_not_judged_as_text():
    text = f"kind: Secret\ndata:\n  ca.der: {base64.b64encode(bytes(range(256))).decode()}\n"
    assert list(kubernetes_secret(text)) == []


def test_crlf_manifest():
    text = f"kind: Secret\r\nstringData:\r\n  password: {HUMAN}\r\n"
    [item] = kubernetes_secret(text)
    assert (text[item.start:item.end], item.key, item.judged) == (HUMAN, "password", HUMAN)


# -- Docker config.json --------------------------------------------------------------------------
def docker_config(auth: str) -> str:
    return '{\n  "auths": {\n    "registry.example.com": {\n      "auth": "AUTH"\n    }\n  }\n}\n'.replace("AUTH", auth)


def test_docker_auth_is_reported(builtin_matcher):
    auth = b64(f"deploy:{HUMAN}")
    assert found(builtin_matcher, docker_config(auth), path=".docker/config.json",
                 rule="secrets.docker-config-auth") == [(4, auth)]


@pytest.mark.parametrize("inner", ["deploy:", ":secretpw", "no colon here", "user:changeme", "user:${PASSWORD}"])
def test_docker_auth_without_a_real_password_is_not(builtin_matcher, inner):
    assert found(builtin_matcher, docker_config(b64(inner)), path=".docker/config.json",
                 rule="secrets.docker-config-auth") == []


def test_docker_identitytoken(builtin_matcher):
    text = '{"auths": {"r.azurecr.io": {\n  "identitytoken": "TOKEN"}}}\n'.replace("TOKEN", RANDOM)
    assert found(builtin_matcher, text, path="config.json", rule="secrets.docker-config-identitytoken") == [
        (2, RANDOM)]
    text = '{"auths": {"r.azurecr.io": {"identitytoken": "<token>"}}}\n'
    assert found(builtin_matcher, text, path="config.json", rule="secrets.docker-config-identitytoken") == []
