#!/usr/bin/env bash
# Offline check of these manifests (no cluster, no network): Kubernetes JSON schemas and strict field
# names from the kubernetes-models dev dependency, plus the rules this deployment relies on (probes,
# preStop drain, grace period, selectors, migrate Job, Secret template). See scripts/kubernetes-manifests.ts.
# Usage: deploy/kubernetes/validate.sh [dir]   (npm test runs the same check: test/integration/kubernetes.test.ts)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec node --import tsx scripts/kubernetes-manifests.ts "${1:-deploy/kubernetes}"
