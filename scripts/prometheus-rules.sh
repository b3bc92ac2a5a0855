#!/usr/bin/env bash
# Checks the Prometheus alerting rules in deploy/prometheus/: `promtool check rules` on
# alerts.yml (YAML, PromQL and templates) and `promtool test rules` on alerts.test.yml (unit
# tests: each rule fires once its condition has held for its `for` duration, not before).
#
# promtool comes from the Debian `prometheus` package, downloaded with `apt-get download`
# and unpacked with `dpkg-deb -x` under target/promtool/: nothing is installed and no
# service is started. Later runs reuse the unpacked copy. PROMTOOL=/path/to/promtool uses
# another promtool instead.
set -euo pipefail
cd "$(dirname "$0")/.."

rules=deploy/prometheus/alerts.yml
tests=deploy/prometheus/alerts.test.yml
dir=target/promtool

if [[ -z "${PROMTOOL:-}" ]]; then
  PROMTOOL="$dir/root/usr/bin/promtool"
  if [[ ! -x "$PROMTOOL" ]]; then
    echo "fetching promtool from the Debian prometheus package into $dir/"
    mkdir -p "$dir"
    rm -f "$dir"/prometheus_*.deb
    # apt-get download writes into the current directory; the package lists may be
    # missing or stale, so they are refreshed only when the first attempt fails.
    if ! (cd "$dir" && apt-get download -qq prometheus >/dev/null 2>&1); then
      apt-get update -qq >/dev/null
      if ! output="$(cd "$dir" && apt-get download -qq prometheus 2>&1)"; then
        echo "$output" >&2
        echo "could not download the Debian prometheus package (set PROMTOOL to use another promtool)" >&2
        exit 1
      fi
    fi
    # Unpacked beside the final place and moved in one step, so an interrupted run
    # never leaves a half-extracted tree that a later run would take as complete.
    rm -rf "$dir/root.partial"
    dpkg-deb -x "$dir"/prometheus_*.deb "$dir/root.partial"
    rm -rf "$dir/root"
    mv "$dir/root.partial" "$dir/root"
    rm -f "$dir"/prometheus_*.deb
  fi
fi

"$PROMTOOL" --version 2>&1 | sed -n 1p
"$PROMTOOL" check rules "$rules"
"$PROMTOOL" test rules "$tests"
