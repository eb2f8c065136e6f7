#!/usr/bin/env bash
# Builds the package the Flex Consumption plan accepts: `dotnet publish` of the isolated-worker app
# (framework-dependent, linux-x64, ReadyToRun), zipped so that the zip root holds what the Functions host
# reads: host.json, functions.metadata, worker.config.json, extensions.json, .azurefunctions/ and the app.
#
# Usage: bash scripts/publish.sh
# Output: artifacts/publish/ (the folder) and artifacts/compliancebot.zip (its contents, zipped).
set -euo pipefail
cd "$(dirname "$0")/.."

project=src/ComplianceBot.Functions/ComplianceBot.Functions.csproj
publish_dir=artifacts/publish
zip_path=artifacts/compliancebot.zip

# Start clean so files from an earlier publish never end up in the package.
rm -rf "$publish_dir" "$zip_path"
mkdir -p artifacts

# Framework-dependent: the dotnet-isolated 10.0 runtime of the plan provides .NET. ReadyToRun: the app's
# own code is compiled ahead of time, which shortens the CPU a cold start spends before the first answer.
dotnet publish "$project" \
  -c Release \
  -r linux-x64 \
  --self-contained false \
  -p:PublishReadyToRun=true \
  -o "$publish_dir"

# The host refuses a package without these at its root; fail here rather than after a deploy.
for required in host.json functions.metadata worker.config.json extensions.json .azurefunctions ComplianceBot.Functions.dll; do
  if [ ! -e "$publish_dir/$required" ]; then
    echo "error: $publish_dir/$required is missing; the publish did not produce an isolated-worker Functions app." >&2
    exit 1
  fi
done
if grep -q '"customHandler"' "$publish_dir/host.json"; then
  echo "error: $publish_dir/host.json still declares a customHandler; the app is an isolated worker." >&2
  exit 1
fi
functions=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).length)' "$publish_dir/functions.metadata")
if [ "$functions" -eq 0 ]; then
  echo "error: functions.metadata in $publish_dir lists no function; the host would find none." >&2
  exit 1
fi

# The daily run fans out over the clinic-run queue (ADR 5): without its trigger in functions.metadata and the
# queue extension in extensions.json the host would never run a clinic, and the timers would only fill the queue.
if ! node -e 'const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  process.exit(f.some(x => x.name === "RunClinic" && x.bindings.some(b => b.type === "queueTrigger" && b.queueName === "%ClinicRunQueue%")) ? 0 : 1)' "$publish_dir/functions.metadata"; then
  echo "error: functions.metadata in $publish_dir has no RunClinic queueTrigger on %ClinicRunQueue%." >&2
  exit 1
fi
if ! grep -q 'Microsoft.Azure.WebJobs.Extensions.Storage.Queues' "$publish_dir/extensions.json"; then
  echo "error: extensions.json in $publish_dir does not load the Storage Queues extension the RunClinic trigger needs." >&2
  exit 1
fi

# Zip the folder's contents (not the folder itself) so host.json sits at the zip root; -r keeps the
# .azurefunctions folder (a dot folder) too.
abs_zip="$(pwd)/$zip_path"
if command -v zip >/dev/null 2>&1; then
  (cd "$publish_dir" && zip -r -q "$abs_zip" .)
elif command -v python3 >/dev/null 2>&1; then
  (cd "$publish_dir" && python3 -m zipfile -c "$abs_zip" $(ls -A))
else
  echo "error: neither zip nor python3 is installed to build $zip_path (sudo apt-get install -y zip)." >&2
  exit 1
fi

# The same check on the zip itself: its root, not a folder inside it, holds the host's files.
listing=$(python3 -m zipfile -l "$abs_zip" 2>/dev/null || unzip -l "$abs_zip")
for required in host.json functions.metadata worker.config.json extensions.json .azurefunctions/; do
  if ! grep -Eq "(^|[[:space:]])${required//./\\.}" <<<"$listing"; then
    echo "error: $zip_path has no $required at its root." >&2
    exit 1
  fi
done

echo "Package: $zip_path ($(du -h "$zip_path" | cut -f1)), $functions functions"
echo
echo "Deploy it (see docs/deploy.md):"
echo "  az functionapp deployment source config-zip --resource-group <resource-group> --name <function-app-name> --src $zip_path"
