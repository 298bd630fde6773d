#!/usr/bin/env python
"""Check the vendored front-end files against static/vendor/MANIFEST.json.

Every file under static/vendor/ that the manifest lists must exist with the recorded sha256,
and every file on disk under a vendored package's folder must be listed. Exit status 1 on any
mismatch, so CI fails when someone edits or swaps a vendored file by hand.

    python scripts/verify_static.py           # check
    python scripts/verify_static.py --write   # (re)record the hashes after a deliberate upgrade
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def files_on_disk(package_dir: Path) -> list[str]:
    return sorted(p.relative_to(VENDOR).as_posix() for p in package_dir.rglob("*") if p.is_file())


def check(manifest: dict) -> list[str]:
    problems = []
    for package, entry in manifest["packages"].items():
        package_dir = VENDOR / package
        listed = entry["files"]
        for relpath, expected in listed.items():
            path = VENDOR / relpath
            if not path.is_file():
                problems.append(f"missing: {relpath}")
            elif sha256_of(path) != expected:
                problems.append(f"checksum mismatch: {relpath}")
        if package_dir.is_dir():
            for relpath in files_on_disk(package_dir):
                if relpath not in listed:
                    problems.append(f"not in manifest: {relpath}")
    for package_dir in sorted(p for p in VENDOR.iterdir() if p.is_dir()):
        if package_dir.name not in manifest["packages"]:
            problems.append(f"package folder not in manifest: {package_dir.name}/")
    return problems


def write(manifest: dict) -> None:
    # A new folder "<name>-<version>" is added with its name and version read from the folder.
    for package_dir in sorted(p for p in VENDOR.iterdir() if p.is_dir()):
        if package_dir.name not in manifest["packages"]:
            name, _, version = package_dir.name.rpartition("-")
            manifest["packages"][package_dir.name] = {
                "name": name,
                "version": version,
                "source": f"npm pack {name}@{version}",
                "files": {},
            }
    for package, entry in manifest["packages"].items():
        entry["files"] = {rel: sha256_of(VENDOR / rel) for rel in files_on_disk(VENDOR / package)}
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record current hashes")
    args = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    if args.write:
        write(manifest)
        print(f"wrote {MANIFEST}")
        return 0
    problems = check(manifest)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    count = sum(len(e["files"]) for e in manifest["packages"].values())
    print(f"ok: {count} vendored files match {MANIFEST.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
