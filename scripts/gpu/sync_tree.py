#!/usr/bin/env python3
"""On the GPU machine: makes DEST hold exactly the files of the tar archive SRC (scripts/gpu/snapshot.sh).

Files whose content is unchanged are left alone, so their modification times stay and the build folder
inside DEST (kept while the machine is warm) rebuilds only what changed. Files under DEST that the archive
no longer holds are removed, except in the kept folders (build outputs, the dependency bundle).

usage: sync_tree.py SRC.tar DEST
"""
import os
import sys
import tarfile

KEEP = ("build-gpu", ".deps", ".gpu", "out", "sweeps/runs")


def kept(rel):
    return any(rel == k or rel.startswith(k + "/") for k in KEEP)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dest = sys.argv[1], sys.argv[2]
    os.makedirs(dest, exist_ok=True)
    wanted, written = set(), 0
    with tarfile.open(src) as tar:
        for m in tar.getmembers():
            rel = os.path.normpath(m.name)
            if rel.startswith("..") or os.path.isabs(rel):
                sys.exit(f"sync_tree: unsafe path in archive: {m.name}")
            path = os.path.join(dest, rel)
            if m.isdir():
                os.makedirs(path, exist_ok=True)
                continue
            if not m.isfile():
                continue
            wanted.add(rel)
            data = tar.extractfile(m).read()
            try:
                with open(path, "rb") as f:
                    if f.read() == data:
                        continue
            except OSError:
                pass
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, m.mode & 0o777)
            written += 1
    removed = 0
    for base, dirs, files in os.walk(dest):
        rel_base = os.path.relpath(base, dest)
        if rel_base != "." and kept(rel_base):
            dirs[:] = []
            continue
        for name in files:
            rel = os.path.normpath(os.path.join(rel_base, name))
            if not kept(rel) and rel not in wanted:
                os.remove(os.path.join(base, name))
                removed += 1
    print(f"sync_tree: {len(wanted)} files, {written} written, {removed} removed")


if __name__ == "__main__":
    main()
