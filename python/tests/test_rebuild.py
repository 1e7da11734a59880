"""The field-level diff rules (docs/wire-protocol.md, "Applying a structured
diff"): fields a diff does not touch keep their bytes and their place."""

from __future__ import annotations

from newswire import apply_diff, article_pb2, diff_pb2
from newswire.wire import fields, length_delimited


def numbers(message: bytes) -> list[int]:
    return [f.number for f in fields(message)]


def test_fields_the_client_does_not_know_keep_their_place() -> None:
    article = article_pb2.Article(id="a", feed="f", version=1, headline="Old", ednote="Note",
                                  source="Desk")
    # Fields 11 (between ednote and source) and 30 come from a newer schema.
    base = article.SerializeToString(deterministic=True)
    cut = base.index(length_delimited(12, b"Desk"))
    base = base[:cut] + length_delimited(11, b"Ann") + base[cut:] + length_delimited(30, b"x")
    diff = diff_pb2.ArticleDiff(replaced_fields=[3], replaced=article_pb2.Article(version=2))
    diff.headline.base_len, diff.headline.result_len = 3, 3
    diff.headline.ops.add(remove=3)
    diff.headline.ops.add(insert="New")
    result = apply_diff(base, diff.SerializeToString())
    assert numbers(result) == [1, 2, 3, 7, 10, 11, 12, 30]
    assert length_delimited(11, b"Ann") in result and result.endswith(length_delimited(30, b"x"))
    assert article_pb2.Article.FromString(result).headline == "New"


def test_a_replaced_field_unknown_to_the_client_goes_in_number_order() -> None:
    base = article_pb2.Article(id="a", feed="f", version=1, headline="H", ednote="N",
                               source="S").SerializeToString(deterministic=True)
    # The diff's `replaced` carries field 11 as the daemon's schema encodes it.
    replaced = article_pb2.Article(version=2).SerializeToString() + length_delimited(11, b"Ann")
    diff = diff_pb2.ArticleDiff(replaced_fields=[3, 11]).SerializeToString()
    diff += length_delimited(2, replaced)
    result = apply_diff(base, diff)
    assert numbers(result) == [1, 2, 3, 7, 10, 11, 12]
    # Listed but unset in `replaced`: cleared.
    cleared = diff_pb2.ArticleDiff(replaced_fields=[3, 12],
                                   replaced=article_pb2.Article(version=3))
    assert numbers(apply_diff(result, cleared.SerializeToString())) == [1, 2, 3, 7, 10, 11]
