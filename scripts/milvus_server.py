#!/usr/bin/env python3
"""Lay out a Milvus standalone server (the PyPI package `milvus`, 2.3.5) in a data folder, bound to loopback.

    python scripts/milvus_server.py DATA

writes DATA/configs/milvus.yaml (every component's address 127.0.0.1, free ports from Milvus's defaults up),
unpacks the server binary and its libraries into DATA/bin, and prints one JSON line saying how to start it:
{"exe": ..., "cwd": ..., "env": {...}, "port": ..., "health_port": ...}. It does not start the server: the caller
starts `exe run standalone` itself, so that it holds the server's own PID (to stop it with SIGTERM, then SIGKILL).
The data (embedded etcd, the write-ahead log, segments) stays in DATA, so a restart finds it again.
"""
import json
import os
import sys

from milvus import MilvusServerConfig, _initialize_data_files

# Each component advertises this address to the others, so that no traffic leaves the machine.
ROLES = ["rootCoord", "proxy", "queryCoord", "queryNode", "indexCoord", "indexNode", "dataCoord", "dataNode"]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = os.path.abspath(sys.argv[1])
    config = MilvusServerConfig(data_dir=data)
    for role in ROLES:
        config.set(f"{role}.ip", "127.0.0.1")
    config.resolve()
    _initialize_data_files(config.base_data_dir)
    health_port, sock = config.resolve_port(9091)
    sock.close()
    bin_dir = os.path.join(config.base_data_dir, "bin")
    env = {
        "DEPLOY_MODE": "STANDALONE",
        "METRICS_PORT": str(health_port),
        "MILVUS_RUN_DIR": os.path.join(config.base_data_dir, "run"),
        "LD_LIBRARY_PATH": bin_dir,
    }
    print(json.dumps({
        "exe": os.path.join(bin_dir, "milvus"),
        "cwd": config.base_data_dir,
        "env": env,
        "port": config.get("proxy_port"),
        "health_port": health_port,
    }))


if __name__ == "__main__":
    main()
