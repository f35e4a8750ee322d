#!/usr/bin/env bash
# Debian packages the tests use: chromium (the real-browser test) and wordnet-base (METEOR
# synonyms). Installed only when missing; without root or apt, the tests that need them skip.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/wordnet ] || need+=(wordnet-base)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
if command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (apt)"
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "could not install ${need[*]}; the tests that need them will be skipped"
else
  echo "no apt-get: ${need[*]} not installed; the tests that need them will be skipped"
fi
exit 0
