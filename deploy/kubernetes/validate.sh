#!/usr/bin/env bash
# Offline check of these manifests (no cluster, no network): Kubernetes JSON schemas and strict field
# names from the kubernetes-models dev dependency, plus the rules this deployment relies on (probes,
# preStop drain, grace period, selectors, migrate Job, Secret template). See scripts/kubernetes-manifests.ts.
# Usage: deploy/kubernetes/validate.sh [dir]   (npm test runs the same check: test/integration/kubernetes.test.ts)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
dir="${1:-deploy/kubernetes}"
# kubectl's built-in kustomize, when installed, also checks that the kustomization renders (offline).
if command -v kubectl >/dev/null 2>&1; then
  kubectl kustomize "$dir" >/dev/null
fi
exec node --import tsx scripts/kubernetes-manifests.ts "$dir"
