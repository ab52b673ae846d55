"""Pure poll code: largest-remainder percentages, aggregation, the one-line /poll parser."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.poll_commands import (
    DraftError,
    DraftProblem,
    parse_audience,
    parse_closing_time,
    parse_poll_line,
)
from bot.services.polls import PollResults, aggregate, largest_remainder
from storage.polls import InstanceTally, options_mask

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_seed_counts_give_the_seed_percentages() -> None:
    assert largest_remainder([33, 30, 24, 21]) == [31, 28, 22, 19]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 1, 1], [34, 33, 33]),
        ([0, 0, 0], [0, 0, 0]),
        ([5, 0], [100, 0]),
        ([1, 2], [33, 67]),
        ([2, 2, 1, 1], [33, 33, 17, 17]),
    ],
)
def test_largest_remainder_examples(counts: list[int], expected: list[int]) -> None:
    assert largest_remainder(counts) == expected


def test_largest_remainder_always_sums_to_100_and_stays_within_one_point() -> None:
    rng = random.Random(4)
    for _ in range(500):
        counts = [rng.randint(0, 1000) for _ in range(rng.randint(1, 12))]
        shares = largest_remainder(counts)
        total = sum(counts)
        if total == 0:
            assert shares == [0] * len(counts)
            continue
        assert sum(shares) == 100
        for count, share in zip(counts, shares, strict=True):
            assert abs(share - count * 100 / total) < 1


def test_aggregate_sums_instances() -> None:
    tallies = [
        InstanceTally("a", (3, 1, 0), 4),
        InstanceTally("b", (0, 2, 5), 7),
        InstanceTally("c", (1, 0, 0), 1),
    ]
    results = aggregate(tallies, 3, closed=True)
    assert results == PollResults(counts=(4, 3, 5), voters=12, closed=True)
    assert results.total_votes == 12
    assert PollResults.from_dict(results.to_dict()) == results


def test_options_mask() -> None:
    assert options_mask([]) == 0
    assert options_mask([0]) == 1
    assert options_mask([1, 3]) == 0b1010


def test_one_line_poll() -> None:
    draft = parse_poll_line("Best talk? | Ivashentsov | Lee | Koldunova", NOW)
    assert draft.question == "Best talk?"
    assert draft.options == ("Ivashentsov", "Lee", "Koldunova")
    assert not draft.anonymous and not draft.multiple_answers and not draft.hide_results
    assert draft.closes_at is None


def test_one_line_poll_with_settings() -> None:
    draft = parse_poll_line(
        "Лучший доклад? | Ивашенцов | Ли anonymous multiple hide closes=2026-05-02 18:30", NOW
    )
    assert draft.options == ("Ивашенцов", "Ли")
    assert draft.anonymous and draft.multiple_answers and draft.hide_results
    assert draft.closes_at == datetime(2026, 5, 2, 18, 30, tzinfo=UTC)


def test_settings_as_their_own_segment_and_with_an_offset() -> None:
    draft = parse_poll_line("Q? | A | B | hide closes=2026-05-02 18:30+03:00", NOW)
    assert draft.options == ("A", "B")
    assert draft.hide_results
    assert draft.closes_at == datetime(2026, 5, 2, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("| A | B", DraftProblem.NO_QUESTION),
        ("Q? | A", DraftProblem.TOO_FEW_OPTIONS),
        ("Q? | A | a", DraftProblem.DUPLICATE_OPTIONS),
        ("Q? | " + " | ".join(f"o{i}" for i in range(13)), DraftProblem.TOO_MANY_OPTIONS),
        ("Q? | A | " + "x" * 101, DraftProblem.OPTION_TOO_LONG),
        ("Q" * 301 + " | A | B", DraftProblem.QUESTION_TOO_LONG),
        ("Q? | A | B closes=2026-04-30 10:00", DraftProblem.CLOSING_IN_PAST),
        ("Q? | A | B closes=2026-13-40 10:00", DraftProblem.BAD_CLOSING_TIME),
    ],
)
def test_bad_polls_are_refused(line: str, problem: DraftProblem) -> None:
    with pytest.raises(DraftError) as raised:
        parse_poll_line(line, NOW)
    assert raised.value.problem is problem


def test_closing_time_for_the_dialogue() -> None:
    assert parse_closing_time("2026-05-01 13:05", NOW) == NOW + timedelta(hours=1, minutes=5)
    with pytest.raises(DraftError):
        parse_closing_time("tomorrow", NOW)


def test_audience_arguments() -> None:
    args = parse_audience(["lang=ru,ko", "topic=business", "groups=yes"])
    assert args.languages == {"ru", "ko"} and args.topics == {"business"} and args.groups
    assert not args.unknown
    assert parse_audience([]).groups is False
    assert parse_audience(["lang=fr", "colour=red", "groups"]).unknown == (
        "lang=fr",
        "colour=red",
        "groups",
    )
