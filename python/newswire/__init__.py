"""Newswire's Python client: publish, follow the live wire, query and replay.

Everything here speaks the wire protocol of docs/wire-protocol.md over
ZeroMQ; the protobuf modules (``newswire.v1``) are generated from the
repository's ``proto/`` by protoc (see ``newswire._schema``).

>>> from newswire import Subscriber
>>> for notice in Subscriber("tcp://127.0.0.1:7700", feeds=["equities-asia"]):
...     print(notice)
"""

from . import errors
from ._pb import article_pb2, diff_pb2, wire_pb2
from .errors import NewswireError
from .publisher import Ack, Publisher
from .query import ArticleVersion, LogPage, LogRecord, QueryClient
from .rebuild import (Rebuilder, apply_diff, article_chain_hash, content_hash, decode_delta,
                      wire_chain_hash)
from .replay import replay, replay_frame
from .security import Curve
from .subscriber import (AccessDenied, ConnectionChange, Delivery, Gap, Lag, Notice, Stats,
                         Subscriber)
from .wire import Hub, channel_topics, channels_of, parse_hub, scope_topics

__all__ = [
    "AccessDenied", "Ack", "ArticleVersion", "ConnectionChange", "Curve", "Delivery", "Gap", "Hub",
    "Lag", "LogPage", "LogRecord", "NewswireError", "Notice", "Publisher", "QueryClient",
    "Rebuilder", "Stats", "Subscriber", "apply_diff", "article_chain_hash", "article_pb2",
    "channel_topics", "channels_of", "content_hash", "decode_delta", "diff_pb2", "errors",
    "parse_hub", "replay", "replay_frame", "scope_topics", "wire_chain_hash", "wire_pb2",
]
__version__ = "0.1.0"
