#!/usr/bin/env bash
# Runs every test. Installs the local Azure Storage emulator (npm ci) when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/azurite ]; then
  npm ci --no-audit --no-fund
fi
dotnet test ComplianceBot.sln --logger "console;verbosity=normal" "$@"
