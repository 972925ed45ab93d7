"""The declared rust-version must be true: no locked dependency may need a newer Rust.

Reads `cargo metadata` (the locked graph) and fails, naming them, if any package
declares a rust-version above the workspace's. (Our own code's use of newer std APIs is
checked by clippy's `incompatible_msrv` lint, which reads the same field.)
"""
import json
import subprocess
import sys


def version(text):
    # "1.88" and "1.88.0" are the same version: compare as (major, minor, patch).
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(
    subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--locked"])
)
ours = {p["id"] for p in meta["packages"] if p["id"] in meta["workspace_members"]}
declared = {p["rust_version"] for p in meta["packages"] if p["id"] in ours}
if len(declared) != 1 or None in declared:
    sys.exit(f"every crate must inherit the workspace's rust-version, found {declared}")
msrv = version(declared.pop())
newer = [
    f'{p["name"]} {p["version"]} needs Rust {p["rust_version"]}'
    for p in meta["packages"]
    if p.get("rust_version") and version(p["rust_version"]) > msrv
]
if newer:
    sys.exit("rust-version is too low:\n  " + "\n  ".join(newer))
print(f"rust-version {'.'.join(map(str, msrv))} holds for {len(meta['packages'])} packages")
