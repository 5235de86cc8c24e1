#!/usr/bin/env bash
# Builds (installing packages if needed) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --no-run
ctest --preset release "$@"
