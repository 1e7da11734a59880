"""The generated protobuf modules, built on first use (see ``_schema``)."""

from ._schema import ensure_generated

ensure_generated()

from .v1 import article_pb2, diff_pb2, wire_pb2  # noqa: E402  (generated above)

__all__ = ["article_pb2", "diff_pb2", "wire_pb2"]
