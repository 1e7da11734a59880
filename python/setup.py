"""Build step: generates newswire/v1/*_pb2.py(i) from ../proto with protoc
before the package is built (pyproject.toml holds everything else)."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithProtos(build_py):
    def run(self) -> None:
        # newswire/_schema.py imports nothing from the package: load it alone.
        spec = importlib.util.spec_from_file_location("_schema", HERE / "newswire" / "_schema.py")
        assert spec is not None and spec.loader is not None
        schema = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(schema)
        proto_dir = HERE.parent / "proto"
        if (proto_dir / schema.PROTOS[0]).is_file():
            schema.generate(proto_dir, HERE / "newswire")
        elif not (HERE / "newswire" / "v1" / "wire_pb2.py").is_file():
            raise SystemExit("newswire: ../proto is missing and nothing was generated before")
        super().run()


setup(cmdclass={"build_py": BuildWithProtos})
