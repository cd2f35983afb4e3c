#!/usr/bin/env bash
# Runs every test: forge (contracts) and dotnet test (C#), then prints the summed totals.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet build Hearth.slnx -c Release -nologo -v q || exit 1

echo "== forge test"
(cd contracts && ../node_modules/@foundry-rs/forge-linux-amd64/bin/forge test --offline 2>&1) | tee "$results/forge.txt"
forge_passed=$(grep -oE '[0-9]+ tests passed' "$results/forge.txt" | tail -1 | grep -oE '^[0-9]+' || echo 0)
forge_failed=$(grep -oE '[0-9]+ failed' "$results/forge.txt" | tail -1 | grep -oE '^[0-9]+' || echo 0)

echo "== dotnet test"
dotnet test Hearth.slnx -c Release --no-build -nologo --logger "trx" --results-directory "$results/trx" 2>&1 | tee "$results/dotnet.txt"
dotnet_passed=0; dotnet_failed=0
for f in "$results"/trx/*.trx; do
  [ -f "$f" ] || continue
  c=$(grep -oE '<Counters [^>]*' "$f")
  p=$(grep -oE 'passed="[0-9]+"' <<<"$c" | grep -oE '[0-9]+'); q=$(grep -oE 'failed="[0-9]+"' <<<"$c" | grep -oE '[0-9]+')
  dotnet_passed=$((dotnet_passed + ${p:-0})); dotnet_failed=$((dotnet_failed + ${q:-0}))
done

passed=$((forge_passed + dotnet_passed)); failed=$((forge_failed + dotnet_failed))
echo "forge: $forge_passed passed, $forge_failed failed; dotnet: $dotnet_passed passed, $dotnet_failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
