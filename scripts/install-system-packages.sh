#!/usr/bin/env bash
# The Debian packages the tests and benchmarks use (`make system-packages`, called by `make test`
# and `make bench`). Idempotent, non-interactive and quick when everything is present: it asks
# dpkg first and runs `apt-get update` and `apt-get install` only for what is missing.
set -euo pipefail

PACKAGES=(
  postgresql            # storage and API tests run on PostgreSQL as well as SQLite (tests/postgres.py)
  chromium              # Playwright drives Debian's Chromium (never `playwright install`)
  fonts-dejavu-core     # fonts for the browser and the PDF summary
  fonts-liberation
  libpango-1.0-0        # WeasyPrint (PDF summary)
  libpangoft2-1.0-0
  libharfbuzz-subset0
  wrk                   # HTTP benchmark (make bench)
  openjdk-17-jre-headless  # Java for Apache Spark (SQL on FHIR views with engine "spark", the trdnav[spark] extra)
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-system-packages: this script needs a Debian or Ubuntu system (dpkg and apt-get)." >&2
  echo "  Install these packages by other means: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-system-packages: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
