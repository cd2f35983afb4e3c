#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build the sample apps, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash apps/build.sh
dotnet run --project src/Hearth.Cli -c Release -- demo "$@"
