"""The generated protobuf modules, built from proto/ by protoc.

``newswire.v1.article_pb2``, ``diff_pb2`` and ``wire_pb2`` (with ``.pyi`` type
stubs) are never checked in. They are written next to this file:

* by ``pip install``/``setup.py`` (the build step runs protoc), or
* on first import from a source checkout, and again whenever the ``.proto``
  files change (a fingerprint of their bytes is kept beside the modules), or
* by hand: ``/usr/bin/python3 python/newswire/_schema.py [PROTO_DIR]``.

This module imports nothing from the rest of the package, so the build step
can load it on its own.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROTOS = ("newswire/v1/article.proto", "newswire/v1/diff.proto", "newswire/v1/wire.proto")
_PACKAGE_DIR = Path(__file__).resolve().parent
_FINGERPRINT = "_fingerprint"


def source_proto_dir() -> Path | None:
    """``<checkout>/proto`` when this package runs from a source checkout."""
    candidate = _PACKAGE_DIR.parent.parent / "proto"
    return candidate if all((candidate / p).is_file() for p in PROTOS) else None


def fingerprint(proto_dir: Path) -> str:
    digest = hashlib.sha256()
    for proto in PROTOS:
        digest.update(proto.encode() + b"\0" + (proto_dir / proto).read_bytes())
    return digest.hexdigest()


def generate(proto_dir: Path, package_dir: Path = _PACKAGE_DIR) -> None:
    """Runs protoc on ``proto_dir`` and writes ``package_dir/v1/*_pb2.py(i)``.

    Files are replaced one by one (atomically), so a concurrent import sees
    either the old or the new module, never half of one.
    """
    protoc = os.environ.get("PROTOC") or shutil.which("protoc")
    if protoc is None:
        raise ImportError("newswire: protoc is needed to build the protobuf modules "
                          "(Debian: apt-get install protobuf-compiler)")
    target = package_dir / "v1"
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=package_dir) as tmp:
        subprocess.run([protoc, f"--proto_path={proto_dir}", f"--python_out={tmp}",
                        f"--pyi_out={tmp}", *PROTOS], check=True)
        generated = Path(tmp) / "newswire" / "v1"
        (generated / "__init__.py").write_text('"""Generated from proto/newswire/v1 by protoc."""\n')
        (generated / _FINGERPRINT).write_text(fingerprint(proto_dir) + "\n")
        # The fingerprint last: it says the modules before it are complete.
        for path in sorted(generated.iterdir(), key=lambda p: p.name == _FINGERPRINT):
            os.replace(path, target / path.name)


def ensure_generated() -> None:
    """Makes sure ``newswire.v1`` is importable and matches the schema."""
    stamp = _PACKAGE_DIR / "v1" / _FINGERPRINT
    proto_dir = source_proto_dir()
    if proto_dir is not None:
        current = stamp.read_text().strip() if stamp.exists() else ""
        if current != fingerprint(proto_dir):
            generate(proto_dir)
    elif not stamp.exists():
        raise ImportError("newswire: the generated protobuf modules are missing; build them with "
                          f"/usr/bin/python3 {__file__} PROTO_DIR (needs protoc)")


if __name__ == "__main__":
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else source_proto_dir()
    if directory is None:
        sys.exit("usage: python3 newswire/_schema.py PROTO_DIR")
    generate(directory.resolve())
