# shellcheck shell=bash
# Shared by the scripts: where the development environment lives and how to run
# a command inside it. Home Assistant 2026.3+ needs Python >= 3.14.2; when the
# host has none, a Debian testing (forky) root filesystem provides it and every
# command runs there through chroot in a private mount namespace, so nothing
# stays mounted on the host.

LLM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LLM_CACHE="${LLM_INTENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llm_intent}"
# Debian packages the chroot needs (tests start redis-server and prometheus).
# The root filesystem is bootstrapped with LLM_DEB_BASE, then apt adds the rest.
LLM_DEB_BASE="python3 python3-venv ca-certificates"
LLM_DEB_PACKAGES="python3 python3-venv python3-dev ca-certificates redis-server prometheus gcc g++ libc6-dev git procps chromium chromium-driver fonts-dejavu-core"
LLM_ROOTFS="$LLM_CACHE/forky"
LLM_SHARED="$(cd "$LLM_ROOT/.." && pwd)/shared"

llm_req_hash() {
  cat "$LLM_ROOT/requirements_test.txt" "$LLM_ROOT/scripts/setup" | sha256sum | cut -c1-12
}

# Prints a Python >= 3.14.2 found on PATH, or nothing.
llm_host_python() {
  local cand
  for cand in python3.14 python3 python; do
    if command -v "$cand" >/dev/null 2>&1 &&
      "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 14, 2) else 1)' 2>/dev/null; then
      command -v "$cand"
      return 0
    fi
  done
  return 0
}

llm_mode() {
  if [ -n "${LLM_INTENT_FORCE_CHROOT:-}" ]; then echo chroot; return; fi
  if [ -n "$(llm_host_python)" ]; then echo host; else echo chroot; fi
}

# The venv path as seen by the command that runs inside the environment.
llm_venv() {
  if [ "$(llm_mode)" = host ]; then
    echo "$LLM_CACHE/venv-$(llm_req_hash)"
  else
    echo "/opt/llm_intent/venv-$(llm_req_hash)"
  fi
}

# Runs "$@" inside the environment with the venv first on PATH, in the repo.
llm_in_env() {
  local venv
  venv="$(llm_venv)"
  if [ "$(llm_mode)" = host ]; then
    (cd "$LLM_ROOT" && PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" "$@")
    return
  fi
  local shared_mount=""
  [ -d "$LLM_SHARED" ] && shared_mount="$LLM_SHARED"
  unshare --mount --propagation private -- \
    env LLM_R="$LLM_ROOTFS" LLM_REPO="$LLM_ROOT" LLM_SHARED_DIR="$shared_mount" LLM_VENV="$venv" \
    bash -c '
      set -e
      R="$LLM_R"
      mount -t proc proc "$R/proc"
      mount --rbind /dev "$R/dev"
      mount -t sysfs sysfs "$R/sys" 2>/dev/null || true
      mkdir -p "$R$LLM_REPO"
      mount --bind "$LLM_REPO" "$R$LLM_REPO"
      if [ -n "$LLM_SHARED_DIR" ]; then
        mkdir -p "$R$LLM_SHARED_DIR"
        mount --bind "$LLM_SHARED_DIR" "$R$LLM_SHARED_DIR"
      fi
      cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
      unset PIP_FIND_LINKS
      exec chroot "$R" /usr/bin/env \
        PATH="$LLM_VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        VIRTUAL_ENV="$LLM_VENV" HOME=/root LANG=C.UTF-8 \
        SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
        bash -c "cd \"\$0\" && exec \"\$@\"" "$LLM_REPO" "$@"
    ' llm-in-env "$@"
}
