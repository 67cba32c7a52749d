#!/usr/bin/env bash
# ./run.sh        install into .venv, build the release if its sources changed, serve it (ssbonto serve;
#                 flags pass through, e.g. --port 9000 or --rebuild)
# ./run.sh build  install, build the release if its sources changed, answer an example query
# ./run.sh test   install (with the test extras, Java, Node.js and the Comunica SPARQL client, Debian's
#                 Chromium and ChromeDriver, Virtuoso) and run the test suite; arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")"

ensure_java() {
  if ! command -v java >/dev/null 2>&1; then
    echo "java not found: installing default-jre-headless for the HermiT reasoner" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q default-jre-headless
    else sudo apt-get update -q && sudo apt-get install -y -q default-jre-headless; fi
  fi
}

# The virtualenv with ssbonto installed (editable); `ensure_venv test` adds the test extras. pip runs
# only when pyproject.toml changed since the last install, so a second start costs nothing here.
ensure_venv() {
  local wanted="." stamp=".venv/.installed-runtime"
  if [ "${1:-}" = test ]; then wanted=".[test]"; stamp=".venv/.installed-test"; fi
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  local digest
  digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    .venv/bin/python -m pip install -q -e "$wanted"
    echo "$digest" > "$stamp"
  fi
}

# The Comunica SPARQL client the endpoint tests drive (tests/js, pinned by its package-lock.json).
ensure_test_clients() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: installing nodejs and npm for the SPARQL client tests" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q nodejs npm
    else sudo apt-get update -q && sudo apt-get install -y -q nodejs npm; fi
  fi
  if [ ! -f tests/js/node_modules/.package-lock.json ] || \
     [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then
    (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Headless Chromium and its driver for the query-page tests, from Debian (never a downloaded browser).
ensure_browser() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "chromium not found: installing chromium and chromium-driver for the browser tests" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium chromium-driver
    else sudo apt-get update -q && sudo apt-get install -y -q chromium chromium-driver; fi
  fi
}

# Virtuoso open source, the second real store the remote-store tests push to (Debian's package).
ensure_virtuoso() {
  if ! command -v virtuoso-t >/dev/null 2>&1; then
    echo "virtuoso-t not found: installing virtuoso-opensource for the remote-store tests" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q virtuoso-opensource
    else sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q virtuoso-opensource; fi
  fi
}

ensure_java
case "${1:-serve}" in
  test)
    shift || true
    ensure_venv test
    ensure_test_clients
    ensure_browser
    ensure_virtuoso
    exec .venv/bin/python -m pytest "$@"
    ;;
  serve|-*)  # `./run.sh --port 9000` is `./run.sh serve --port 9000`
    if [ "${1:-}" = serve ]; then shift; fi
    ensure_venv
    exec .venv/bin/ssbonto serve "$@"  # builds first when there is no release or its sources changed
    ;;
  build)
    ensure_venv
    .venv/bin/ssbonto build
    .venv/bin/ssbonto query --file queries/examples/techniques-for-ionic-motion.rq
    ;;
  *)
    echo "usage: ./run.sh [serve [ssbonto serve flags] | build | test [pytest arguments]]" >&2; exit 2;;
esac
