#!/bin/bash
# Builds, then packs what bench/gpu/run.sh needs into ./.gpu (git-ignored; carry ".gpu"), as
# /work/shared/gpu/prepare.sh does, without touching .git (works from a worktree too).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=${GPU_SHARED:-/work/shared/gpu}
npx tsc -b sdk server
PATHS=(server/dist sdk/dist
  node_modules/onnxruntime-node node_modules/onnxruntime-common node_modules/protobufjs node_modules/@protobufjs
  node_modules/long node_modules/sharp node_modules/@img node_modules/detect-libc node_modules/semver
  node_modules/@hyperface)
existing=()
for p in "${PATHS[@]}"; do [ -e "$p" ] && existing+=("$p"); done
rm -rf .gpu && mkdir -p .gpu/debs
cp "$here"/debs/*.deb .gpu/debs/
cp "$here"/node-v20-linux-x64.xz .gpu/node.xz
cp "$here"/bootstrap.sh .gpu/bootstrap.sh
tar -cJf .gpu/payload.tar.xz --exclude='*/darwin/*' --exclude='*/win32/*' --exclude='*/arm64/*' --exclude='*/linux/arm*' --exclude='*.map' --exclude='*.d.ts' "${existing[@]}"
du -sh .gpu
echo 'carry [".gpu"]; command: source .gpu/bootstrap.sh; bash bench/gpu/run.sh'
