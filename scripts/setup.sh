#!/usr/bin/env bash
# Installs everything lpsweep needs on Debian 12 / Ubuntu 24.04, and nothing twice (idempotent):
#   Debian packages (compiler, CMake, Ninja, yaml-cpp, SQLite, Eigen, Ceres, fmt, CLI11, GoogleTest,
#   sentencepiece) and a project-local Python environment .venv with PyTorch 2.11.0 from PyPI (its
#   LibTorch is what lpsweep links), numpy, scipy and matplotlib (plots, the reference implementation).
# Called by scripts/quickstart.sh and scripts/test.sh; safe to run on its own.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
torch_version=2.11.0

die() { echo "lpsweep setup: $*" >&2; exit 1; }

apt_packages=(
  build-essential cmake ninja-build pkg-config git python3 python3-venv python3-pip
  libyaml-cpp-dev libsqlite3-dev sqlite3 libeigen3-dev libceres-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libsentencepiece-dev nlohmann-json3-dev
  libgloo-dev   # headers of c10d's Gloo backend (its code is in LibTorch): data-parallel CPU ranks
)
# Only for the test suite (scripts/test.sh sets LPS_SETUP_FOR_TESTS=1): servers and tools the suites start
# or use on loopback — one package group per line, with the suite that needs it.
apt_test_packages=(
  postgresql libpq-dev   # tests/store, tests/runner: PostgreSQL store backend against a loopback server
  clang-16 libclang-rt-16-dev   # scripts/fuzz.sh (tests/fuzz): libFuzzer + ASan/UBSan; clang 14 lacks std::source_location
  slurmctld slurmd slurm-client munge   # tests/runner (runner_slurm_cluster_tests): a single-node SLURM on loopback
)
if [ "${LPS_SETUP_FOR_TESTS:-0}" = 1 ]; then apt_packages+=("${apt_test_packages[@]}"); fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || die "apt-get not found; install these packages by hand: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: install these packages first: ${missing[*]}"
    sudo=sudo
  fi
  echo "lpsweep setup: installing ${missing[*]}"
  $sudo apt-get update -qq || die "apt-get update failed (is a Debian/Ubuntu package mirror reachable?)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
fi

venv="$root/.venv"
py="$venv/bin/python3"
if [ ! -x "$py" ]; then
  echo "lpsweep setup: creating $venv"
  # The system Python on Debian/Ubuntu; a pyenv or conda python3 on PATH works as well.
  python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv"
fi
if ! "$py" -c "import torch, numpy, scipy, matplotlib, sys; sys.exit(0 if torch.__version__.startswith('$torch_version') else 1)" 2>/dev/null; then
  echo "lpsweep setup: installing torch==$torch_version, numpy, scipy, matplotlib into $venv (a few GB, once)"
  "$py" -m pip install -q --no-cache-dir --upgrade pip || die "pip upgrade failed (is PyPI reachable?)"
  "$py" -m pip install -q --no-cache-dir "torch==$torch_version" numpy scipy matplotlib \
    || die "pip could not install torch==$torch_version (is PyPI reachable? is there ~6 GB of disk?)"
fi
echo "lpsweep setup: ready ($("$py" -c 'import torch; print("torch", torch.__version__)'))"
