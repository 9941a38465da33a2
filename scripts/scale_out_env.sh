#!/usr/bin/env bash
# Sets up what the scale-out tests need, where it is missing: Java 17 (Debian's openjdk-17-jre-headless) and a
# throwaway virtualenv at target/scale-out-venv with pyspark and the Milvus standalone server (the PyPI package
# `milvus`, 2.3.5: the real server binary with embedded etcd and local storage). Prints the virtualenv's python.
# Usage:
#   py=$(scripts/scale_out_env.sh)
#   INSIGHTS_SPARK_PYTHON=$py INSIGHTS_MILVUS_PYTHON=$py cargo test --test integration -- --ignored shards milvus
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java > /dev/null; then
    sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    { $sudo apt-get install -y openjdk-17-jre-headless || { $sudo apt-get update && $sudo apt-get install -y openjdk-17-jre-headless; }; } >&2
fi
venv=target/scale-out-venv
if ! "$venv/bin/python" -c "import pyspark, milvus" 2> /dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet "pyspark==4.3.0" "milvus==2.3.5" >&2
fi
echo "$PWD/$venv/bin/python"
