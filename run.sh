#!/usr/bin/env bash
# selbuild's one entry script. Every sub-command installs what it needs first
# (idempotent: a second run installs nothing).
#
#   ./run.sh demo    analyze the bundled models, build every target this machine
#                    supports, print the size table
#   ./run.sh test    the whole test suite
#   ./run.sh setup   only install (apt packages + .venv)
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  python3-venv                                       # the .venv below (Debian ships venv without ensurepip)
  gcc                                                # second host compiler + binutils (nm) some C tests compare against
  clang-19 lld-19 llvm-19 libclang-rt-19-dev        # compiler, linkers for ELF and Mach-O, ASan/UBSan/libFuzzer
  qemu-user                                          # runs the ARM builds
  libc6-dev-arm64-cross libgcc-12-dev-arm64-cross    # arm64 glibc sysroot for qemu runs
  libc6-dev-armel-cross libgcc-12-dev-armel-cross    # armel = softfp, matches Android armv7; libgcc for aeabi helpers
  chromium                                           # headless render test of the size report HTML
  openjdk-17-jdk-headless                            # javac for the AAR's classes.jar; java runs its API test on the host
  mesa-vulkan-drivers libvulkan1 libvulkan-dev       # lavapipe (software Vulkan ICD) + loader: Vulkan backend tests
  glslang-tools                                      # glslangValidator: GLSL compute shaders -> SPIR-V at build time
  flatbuffers-compiler                               # flatc: checks our TFLite metadata schema against real flatbuffers
)
VENV=.venv

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

setup_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

setup_venv() {
  local stamp="$VENV/.selbuild-installed"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV" >&2
    python3 -m venv "$VENV"
  fi
  # Reinstall only when the dependency list changed.
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing selbuild and its test dependencies into $VENV" >&2
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[test,torch]"
    # the ExecuTorch runtime and exporter: the reference the .pte tests check against
    # (kept out of the wheel's extras: it pulls in a large tree of its own)
    "$VENV/bin/python" -m pip install -q "executorch==1.5.1"
    touch "$stamp"
  fi
}

setup() { setup_apt; setup_venv; }

case "${1:-}" in
  setup) setup ;;
  demo)
    setup
    exec "$VENV/bin/selbuild" demo ;;
  test)
    setup
    shift
    # loadscope: a module's tests stay on one worker, so its module-scoped
    # fixtures (runtime builds, exported models) are made once, not once per worker
    exec "$VENV/bin/python" -m pytest -n 2 --dist loadscope -q "$@" ;;
  *)
    echo "usage: ./run.sh demo|test|setup" >&2
    exit 2 ;;
esac
