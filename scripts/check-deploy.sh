#!/usr/bin/env bash
# The deployment files, checked by real validators (part of `make test`): docker-compose.yml with
# Debian's docker-compose (`config` parses and validates it; no Docker engine needed), and
# deploy/kubernetes/*.yaml against the Kubernetes schemas with kubernetes-validate (PyPI, strict:
# unknown fields are errors). Each validator is first shown a broken copy and must refuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
K8S_VERSION=1.30.0
KV_VERSION=1.37.0

command -v docker-compose >/dev/null || die "docker-compose is missing: scripts/setup.sh --test installs it"
venv="$RECOGNIZER_TOOLS/pyvenv-deploy"
if ! "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -q "$KV_VERSION"; then
  log "installing kubernetes-validate $KV_VERSION"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "kubernetes-validate==$KV_VERSION"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the validators refuse broken files (so a pass below means something)
sed 's/^    image: postgres:15$/    imagez: postgres:15/' docker-compose.yml > "$work/docker-compose.yml"
cp -r deploy "$work/" 2>/dev/null || true
if (cd "$work" && docker-compose -f docker-compose.yml config -q 2>/dev/null); then
  die "docker-compose accepted a compose file with an unknown key"
fi
sed 's/^      containers:$/      containerz:/' deploy/kubernetes/worker.yaml > "$work/broken.yaml"
if "$venv/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$work/broken.yaml" >/dev/null 2>&1; then
  die "kubernetes-validate accepted a Deployment without containers"
fi

docker-compose -f docker-compose.yml config -q || die "docker-compose.yml does not validate"
"$venv/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" deploy/kubernetes/*.yaml \
  || die "deploy/kubernetes does not validate against Kubernetes $K8S_VERSION"
log "deployment files valid: docker-compose.yml, deploy/kubernetes/*.yaml (Kubernetes $K8S_VERSION)"
