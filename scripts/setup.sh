#!/usr/bin/env bash
# Installs the Debian bookworm packages autoscale builds with (and Chromium, which the report's
# browser test and `report --png` drive; Prometheus and promtool, which the test of `autoscale
# trace` runs on a free loopback port of its own: the package also enables a prometheus.service
# on :9090 where systemd runs), the report's front end from the npm registry (npm ci in
# web/report), configures and builds, installs the Python module for Debian's python3, then runs
# the main job on the embedded default scenario
# (skip that with --no-run).
# Safe to run again: apt skips what is installed, CMake rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
run_main=1
[ "${1:-}" = "--no-run" ] && run_main=0

PACKAGES=(
  g++ cmake ninja-build pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  libeigen3-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libtomlplusplus-dev libcpp-httplib-dev libmicrohttpd-dev zlib1g-dev libyaml-cpp-dev
  chromium
  prometheus
  pybind11-dev python3-dev python3-numpy python3-pytest
  # KEDA's external scaler (gRPC); the tests' Python stubs come from protoc + grpc_python_plugin
  # (Debian's python3-grpc-tools, 1.14, is too old for protobuf 3.21).
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf
  python3-kubernetes  # the exported HPA manifests' schema test (tests/formats/)
  slurm-wlm munge     # the fleet's job-array test on a real single-node Slurm (tests/fleet/)
  openmpi-bin libopenmpi-dev  # data-parallel training under mpirun (src/distributed/)
  python3-botocore jq # exported AWS scaling policies checked against the AWS service model, and applied
  libssl-dev          # the Kubernetes client's TLS certificates and keys (src/kubernetes/)
)
# Node.js and npm build the report's front end; machines of this kind come with Node 20, so
# Debian's packages are only a fallback (the browser test's playwright-core needs Node >= 20).
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)
# The Kubernetes client's requests are compared with the real kubectl's (tests/kubernetes/); any
# kubectl >= 1.16 patches the scale subresource the same way, Debian's kubernetes-client is one.
command -v kubectl >/dev/null || PACKAGES+=(kubernetes-client)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || echo "setup: warning: Node $(node --version) is older than 20; the report's browser test needs 20"
# The report's chart library and test driver, pinned by web/report/package-lock.json.
if ! (cd web/report && npm ls --depth=0 >/dev/null 2>&1); then
  echo "setup: npm ci in web/report"
  (cd web/report && npm ci --no-audit --no-fund --loglevel=error)
fi

cmake --preset release >/dev/null
cmake --build --preset release
# The Python package into the site directory of the interpreter it was built for (Debian's
# /usr/bin/python3: /usr/local/lib/python3.X/dist-packages).
python=$(sed -n 's/^Python_EXECUTABLE:[A-Z]*=//p' build/release/CMakeCache.txt)
$SUDO cmake --install build/release --component python >/dev/null
"$python" -c "import autoscale" && echo "setup: Python module installed for $python"
if [ "$run_main" = 1 ]; then
  echo
  ./build/release/autoscale run
fi
