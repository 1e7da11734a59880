"""The wire protocol's test vectors (proto/testdata), read by this client as
by any other: canonical bytes and hashes, every event rebuilt, payloads that
must not verify, and the refusals a real daemon gives."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import vectors
from google.protobuf import json_format

from newswire import Publisher, Rebuilder, article_pb2, channel_topics, channels_of, errors
from newswire.rebuild import (apply_diff, article_chain_hash, content_hash, decode_delta,
                              wire_chain_hash)
from newswire.wire import decode_sequence, encode_sequence


def article(json_object: dict[str, Any]) -> article_pb2.Article:
    return json_format.ParseDict(json_object, article_pb2.Article())


@pytest.mark.parametrize("case", vectors("canonical.json")["cases"], ids=lambda c: c["name"][:40])
def test_canonical_article_encodes_to_the_vector_bytes(case: dict[str, Any]) -> None:
    canonical = bytes.fromhex(case["canonical_hex"])
    normalised = article(case["canonical"])
    # This client's schema is current, so its deterministic encoding is the canonical one.
    assert normalised.SerializeToString(deterministic=True) == canonical
    assert content_hash(canonical).hex() == case["content_hash"]
    assert len(canonical) == case["full_bytes"]
    assert channels_of(normalised) == case["channels"]


def test_a_topic_in_either_normalisation_form_is_one_channel() -> None:
    assert channel_topics(topics=["Socie\u0301te\u0301"]) == ["t/Soci\u00e9t\u00e9|"]
    assert channel_topics(topics=["\u30ab\u3099"]) == channel_topics(topics=["\u30ac"])


def test_sequence_frames_are_eight_bytes_big_endian() -> None:
    for frame in vectors("canonical.json")["sequence_frames"]:
        assert encode_sequence(frame["seq"]).hex() == frame["frame_hex"]
        assert decode_sequence(bytes.fromhex(frame["frame_hex"])) == frame["seq"]


@pytest.mark.parametrize("name", ["wire-smallest.json", "wire-diff.json"])
def test_every_event_rebuilds_to_its_canonical_bytes_and_chains(name: str) -> None:
    rebuilder = Rebuilder()  # No query service: every event must rebuild from the last.
    held: dict[str, bytes] = {}
    chains: dict[str, bytes] = {}
    wire_chain = b""
    kinds = set()
    for r in vectors(name)["revisions"]:
        canonical = bytes.fromhex(r["canonical_hex"])
        rebuilt = rebuilder.rebuild(bytes.fromhex(r["event_hex"]))
        assert rebuilt.verified and not rebuilt.repaired, (r["wire_seq"], rebuilt.problem)
        assert rebuilt.canonical == canonical
        kinds.add(r["payload"])
        # Both encodings rebuild it, whichever went out.
        base = held.get(r["article_id"], b"")
        assert decode_delta(base, bytes.fromhex(r["delta_hex"]), r["full_bytes"]) == canonical
        if "diff_hex" in r:
            assert apply_diff(base, bytes.fromhex(r["diff_hex"])) == canonical
        digest = content_hash(canonical)
        assert digest.hex() == r["content_hash"]
        chains[r["article_id"]] = article_chain_hash(chains.get(r["article_id"], b""), digest)
        assert chains[r["article_id"]].hex() == r["chain_hash"]
        wire_chain = wire_chain_hash(wire_chain, r["wire_seq"], r["article_id"], r["version"],
                                     digest)
        assert wire_chain.hex() == r["wire_chain_hash"]
        held[r["article_id"]] = canonical
    expected = {"full", "delta", "diff"} if "smallest" in name else {"full", "diff"}
    assert kinds == expected


@pytest.mark.parametrize("case", vectors("errors.json")["payloads"], ids=lambda c: c["name"][:40])
def test_payloads_that_must_not_verify_do_not(case: dict[str, Any]) -> None:
    base, payload = bytes.fromhex(case["base_hex"]), bytes.fromhex(case["payload_hex"])
    if "error" in case:
        with pytest.raises(errors.DiffMismatch) as raised:
            if case["payload"] == "delta":
                decode_delta(base, payload, case["full_bytes"])
            else:
                apply_diff(base, payload)
        assert raised.value.code == case["error"]["code_number"]
        # The same words as the C++ library, up to zstd's own description.
        assert raised.value.message.split(": ")[0] == case["error"]["message"].split(": ")[0]
    else:
        rebuilt = (decode_delta(base, payload, case["full_bytes"]) if case["payload"] == "delta"
                   else apply_diff(base, payload))
        assert content_hash(rebuilt).hex() != case["content_hash"]


def test_refused_publishes_get_the_vector_error_from_a_real_daemon(start_daemon: Any) -> None:
    daemon = start_daemon("--max-article-bytes", "1024")
    with Publisher(daemon.hub, publisher_id="vectors") as publisher:
        for case in vectors("errors.json")["publish"]:
            for setup in case.get("setup", []):
                publisher.publish(setup, publisher_key=case.get("setup_key") or None)
            sent = bytes.fromhex(case["article_hex"]) if "article_hex" in case else case["article"]
            if "ack" in case:
                ack = publisher.publish(sent, base_version=case["base_version"],
                                        publisher_key=case["publisher_key"] or None)
                expected_ack = case["ack"]
                assert (ack.article_id, ack.version, ack.duplicate, ack.content_hash.hex(),
                        ack.unchanged, ack.withdrawn, ack.held) == (
                    expected_ack["article_id"], expected_ack["version"], expected_ack["duplicate"],
                    expected_ack["content_hash"], expected_ack["unchanged"],
                    expected_ack["withdrawn"], "embargoed_until" in expected_ack), case["name"]
                continue
            expected = case["error"]
            with pytest.raises(errors.NewswireError) as raised:
                publisher.publish(sent, base_version=case["base_version"],
                                  publisher_key=case["publisher_key"] or None)
            error = raised.value
            assert type(error) is errors.error_class(expected["code_number"]), case["name"]
            assert (error.code, error.name, error.message) == (
                expected["code_number"], expected["name"], expected["message"])
            assert error.current_version == expected.get("current_version", 0)


def test_every_error_code_is_known_and_a_follower_names_the_primary() -> None:
    from newswire import wire_pb2
    file = vectors("errors.json")
    for case in file["codes"]:
        assert errors.error_class(case["code"]).NAME == case["name"]
    for case in file["replies"]:
        reply = wire_pb2.PublishReply.FromString(bytes.fromhex(case["publish_reply_hex"]))
        error = errors.from_wire(reply.error)
        assert isinstance(error, errors.NotPrimary)
        assert error.primary_hub == case["error"]["primary_hub"]
