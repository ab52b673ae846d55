"""Parsing and validation of event content files: the seed, fallbacks, and malformed files."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.content import MAX_FILE_SIZE, ContentError, parse_event
from bot.content.locate import SourceMap
from bot.content.rules import MAX_PARAGRAPH_LENGTH

SEED = Path(__file__).resolve().parent.parent / "examples" / "riac-kf-2021.toml"
SOURCE = "event.toml"

VALID = """\
id = "round-table"
default_language = "en"
timezone = "Asia/Seoul"
start = 2030-05-01T15:00:00
end = 2030-05-01T17:00:00
link = "https://example.org/event"
topics = ["business", "students"]
reminders = ["1d", "2h", "30m"]
title = { en = "Round table", ru = "Круглый стол", ko = "라운드테이블" }
format.en = "Online round table"
format.ru = "Онлайн-круглый стол"
organisers = [{ en = "Council", ru = "Совет" }, "Foundation"]
description.en = \"\"\"
First paragraph.

Second paragraph, with a [[speakers]] look-alike inside a string.\"\"\"

[moderator]
name = { en = "Mo Derator", ko = "모데레이터" }

[[speakers]]
id = "alice"
name = { en = "Alice", ru = "Алиса" }
position = "Professor"
role = { en = "Opening remarks" }
summary.en = [
  "One",
  "Two",
]
summary.ru = ["Раз"]

[[speakers]]
id = "bob"
name = "Bob"

[[polls]]
id = "q1"
question = { en = "Which?", ru = "Какой?", ko = "어느 것?" }
options = [
  { en = "A", ru = "А", ko = "가" },
  { en = "B" },
]
anonymous = true
closes = 2030-05-08T18:00:00
"""

OPTIONS = 'options = [\n  { en = "A", ru = "А", ko = "가" },\n  { en = "B" },\n]'
assert OPTIONS in VALID


def problems_of(text: str | bytes, source: str = SOURCE) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_event(text, source)
    return caught.value.problems


def line_of(text: str, snippet: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``snippet``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if snippet in line]
    return found[occurrence - 1]


def header_line(text: str, header: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th table header ``header`` (not inside a string)."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if line == header]
    return found[occurrence - 1]


def only_problem(text: str) -> str:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


# the seed event ---------------------------------------------------------------------------


def test_seed_example_parses_completely() -> None:
    event = parse_event(SEED.read_bytes(), str(SEED))
    assert event.id == "riac-kf-2021"
    assert event.timezone == "Europe/Moscow"
    assert event.starts_at == datetime(2021, 4, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert event.starts_at.utcoffset() == timedelta(hours=3)
    assert event.languages == {"en", "ru", "ko"}
    # Bullets per speaker as in the article (Koldunova has eight, not seven).
    assert len(event.speakers) == 6
    for language in ("en", "ru", "ko"):
        counts = [len(s.summary.values[language]) for s in event.speakers]
        assert counts == [6, 3, 8, 7, 7, 5], language
        assert all(s.name.values[language] for s in event.speakers)
        assert event.title.values[language]
        assert event.moderator is not None and event.moderator.name.values[language]
    [poll] = event.polls
    assert len(poll.options) == 4
    for language in ("en", "ru", "ko"):
        assert poll.question.values[language]
        assert all(option.values[language] for option in poll.options)


# a valid file, and the fallback to the default language -----------------------------------


def test_valid_file_builds_the_event() -> None:
    event = parse_event(VALID, SOURCE)
    seoul = ZoneInfo("Asia/Seoul")
    assert event.starts_at == datetime(2030, 5, 1, 15, 0, tzinfo=seoul)
    assert event.ends_at == datetime(2030, 5, 1, 17, 0, tzinfo=seoul)
    assert event.reminders == (timedelta(days=1), timedelta(hours=2), timedelta(minutes=30))
    assert event.topics == ("business", "students")
    assert event.link == "https://example.org/event"
    assert [s.key for s in event.speakers] == ["alice", "bob"]
    assert event.description is not None
    assert event.description.get("en").startswith("First paragraph.\n\nSecond")
    [poll] = event.polls
    assert poll.anonymous is True and poll.multiple_answers is False
    assert poll.closes_at == datetime(2030, 5, 8, 18, 0, tzinfo=seoul)


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_missing_language_falls_back_to_default(language: str) -> None:
    event = parse_event(VALID, SOURCE)
    alice, bob = event.speakers
    expected_name = {"en": "Alice", "ru": "Алиса", "ko": "Alice"}[language]
    assert alice.name.get(language) == expected_name
    assert alice.summary.get(language) == {"en": ("One", "Two"), "ru": ("Раз",),
                                           "ko": ("One", "Two")}[language]
    assert alice.position is not None and alice.position.get(language) == "Professor"
    assert bob.name.get(language) == "Bob"
    assert bob.summary.get(language) == ()
    assert event.organisers[1].get(language) == "Foundation"
    assert event.format is not None
    assert event.format.get(language) == {"en": "Online round table",
                                          "ru": "Онлайн-круглый стол",
                                          "ko": "Online round table"}[language]
    option_b = event.polls[0].options[1]
    assert option_b.get(language) == "B"


def test_default_language_can_be_another_one() -> None:
    text = VALID.replace('default_language = "en"', 'default_language = "ru"')
    text = text.replace('name = "Bob"', 'name = "Боб"').replace(
        "position = \"Professor\"", "position = \"Профессор\""
    )
    text = text.replace('organisers = [{ en = "Council", ru = "Совет" }, "Foundation"]', "")
    text = text.replace('name = { en = "Mo Derator", ko = "모데레이터" }', 'name = "Модератор"')
    text = text.replace('role = { en = "Opening remarks" }', "")
    text = text.replace('{ en = "B" }', '"Б"').replace('description.en', 'description.ru')
    event = parse_event(text, SOURCE)
    assert event.default_language == "ru"
    assert event.speakers[1].name.get("ko") == "Боб"
    assert event.polls[0].options[1].get("en") == "Б"


# malformed files: each names the file, the field and (where it can) the line --------------


def test_toml_syntax_error_has_line_and_column() -> None:
    text = VALID.replace('link = "https://example.org/event"', "link = https://example.org")
    line = line_of(text, "link =")
    problem = only_problem(text)
    assert problem.startswith(f"{SOURCE}:{line}:8: TOML syntax error: ")


def test_missing_required_fields_are_all_reported() -> None:
    text = "\n".join(
        line for line in VALID.splitlines()
        if not line.startswith(("title =", "timezone =", "start ="))
    )
    problems = problems_of(text)
    assert f"{SOURCE}: title: required field is missing" in problems
    assert f"{SOURCE}: timezone: required field is missing" in problems
    assert f"{SOURCE}: start: required field is missing" in problems


def test_missing_speaker_name_points_at_its_table() -> None:
    text = VALID.replace('name = "Bob"\n', "")
    line = header_line(text, "[[speakers]]", 2)
    assert only_problem(text) == f"{SOURCE}:{line}: speakers[1].name: required field is missing"


def test_missing_poll_question_and_options() -> None:
    text = VALID.replace('question = { en = "Which?", ru = "Какой?", ko = "어느 것?" }\n', "")
    text = text.replace(OPTIONS + "\n", "")
    line = header_line(text, "[[polls]]")
    assert problems_of(text) == [
        f"{SOURCE}:{line}: polls[0].question: required field is missing",
        f"{SOURCE}:{line}: polls[0].options: required field is missing",
    ]


def test_unknown_top_level_key_suggests_the_right_one() -> None:
    text = VALID.replace("title =", "tittle =")
    problems = problems_of(text)
    line = line_of(text, "tittle =")
    assert f"{SOURCE}:{line}: tittle: unknown field; did you mean 'title'?" in problems
    assert f"{SOURCE}: title: required field is missing" in problems


def test_unknown_section_is_caught() -> None:
    text = VALID.replace('[[speakers]]\nid = "alice"', '[[speaker]]\nid = "alice"')
    line = header_line(text, "[[speaker]]")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: speaker: unknown field; did you mean 'speakers'?"
    )


def test_unknown_key_in_speaker() -> None:
    text = VALID.replace('position = "Professor"', 'positon = "Professor"')
    line = line_of(text, "positon")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: speakers[0].positon: unknown field; did you mean 'position'?"
    )


def test_speakers_as_a_single_table() -> None:
    text = VALID.split("\n[[speakers]]")[0] + '\n[speakers]\nid = "x"\nname = "X"\n'
    line = header_line(text, "[speakers]")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: speakers: expected an array of tables (write [[speakers]]), "
        "got a table"
    )


def test_unknown_language() -> None:
    text = VALID.replace('summary.ru = ["Раз"]', 'summary.de = ["Eins"]')
    line = line_of(text, "summary.de")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: speakers[0].summary.de: unknown language 'de'; use en, ru, ko"
    )


def test_unsupported_default_language() -> None:
    text = VALID.replace('default_language = "en"', 'default_language = "fr"')
    assert only_problem(text) == (
        f"{SOURCE}:2: default_language: 'fr' is not a supported language; use en, ru, ko"
    )


def test_default_language_must_have_the_title() -> None:
    text = VALID.replace('title = { en = "Round table", ', "title = { ")
    line = line_of(text, "title =")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: title: no text in the default language 'en' "
        "(it is the fallback for the other languages)"
    )


def test_start_must_be_a_date_time_not_a_string() -> None:
    text = VALID.replace("start = 2030-05-01T15:00:00", 'start = "2030-05-01 15:00"')
    assert only_problem(text) == (
        f"{SOURCE}:4: start: expected a date-time such as 2021-04-20T10:00:00 (no quotes), "
        "got a string"
    )


def test_start_without_time() -> None:
    text = VALID.replace("start = 2030-05-01T15:00:00", "start = 2030-05-01")
    assert "start: expected a date-time such as 2021-04-20T10:00:00 (no quotes), got a date " \
        "without a time" in only_problem(text)


def test_offset_date_time_is_converted_to_the_event_zone() -> None:
    text = VALID.replace("start = 2030-05-01T15:00:00", "start = 2030-05-01T06:00:00Z")
    event = parse_event(text, SOURCE)
    assert event.starts_at.utcoffset() == timedelta(hours=9)
    assert event.starts_at.hour == 15


def test_local_time_skipped_by_a_clock_change() -> None:
    text = VALID.replace('timezone = "Asia/Seoul"', 'timezone = "Europe/Berlin"').replace(
        "start = 2030-05-01T15:00:00", "start = 2030-03-31T02:30:00"
    )
    assert only_problem(text) == (
        f"{SOURCE}:4: start: 2030-03-31T02:30:00 does not exist in that time zone "
        "(the clocks change then)"
    )


def test_booleans_must_be_booleans() -> None:
    text = VALID.replace("anonymous = true", 'anonymous = "yes"')
    line = line_of(text, "anonymous =")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: polls[0].anonymous: expected true or false, got a string"
    )


@pytest.mark.parametrize(
    "bad_id", ["Round-Table", "round table", "a" * 33, "раунд", "a:b", ""]
)
def test_event_id_rules(bad_id: str) -> None:
    text = VALID.replace('id = "round-table"', f'id = "{bad_id}"')
    problem = only_problem(text)
    if bad_id:
        assert problem == (
            f"{SOURCE}:1: id: {bad_id!r} is not a valid id: "
            "use 1 to 32 lowercase letters, digits, '-' or '_'"
        )
    else:
        assert problem == f"{SOURCE}:1: id: text is empty"


def test_id_of_32_characters_is_fine() -> None:
    event = parse_event(VALID.replace('id = "round-table"', f'id = "{"a" * 32}"'), SOURCE)
    assert event.id == "a" * 32


def test_duplicate_speaker_ids() -> None:
    text = VALID.replace('id = "bob"', 'id = "alice"')
    line = line_of(text, 'id = "alice"', 2)
    assert only_problem(text) == (
        f"{SOURCE}:{line}: speakers[1].id: duplicate speaker id 'alice' (also speakers[0])"
    )


def test_duplicate_poll_ids() -> None:
    poll = VALID[VALID.index("[[polls]]"):]
    text = VALID + "\n" + poll
    line = line_of(text, 'id = "q1"', 2)
    assert only_problem(text) == (
        f"{SOURCE}:{line}: polls[1].id: duplicate poll id 'q1' (also polls[0])"
    )


def test_unknown_time_zone() -> None:
    text = VALID.replace("Asia/Seoul", "Europe/Moskow")
    assert only_problem(text) == (
        f"{SOURCE}:3: timezone: unknown time zone 'Europe/Moskow'; use an IANA name such as "
        "Europe/Moscow or Asia/Seoul"
    )


def test_end_before_start() -> None:
    text = VALID.replace("end = 2030-05-01T17:00:00", "end = 2030-05-01T14:00:00")
    assert only_problem(text) == f"{SOURCE}:5: end: the end must be after the start"


@pytest.mark.parametrize("link", ["ftp://example.org/", "javascript:alert(1)", "example.org"])
def test_link_must_be_http(link: str) -> None:
    text = VALID.replace("https://example.org/event", link)
    assert only_problem(text) == f"{SOURCE}:6: link: {link!r} is not an http:// or https:// URL"


def test_unknown_topic() -> None:
    text = VALID.replace('topics = ["business", "students"]', 'topics = ["business", "kids"]')
    assert only_problem(text) == (
        f"{SOURCE}:7: topics[1]: unknown topic 'kids'; use business, researchers, students"
    )


@pytest.mark.parametrize("reminder", ["2x", "0h", "h", "1 h", "1000d"])
def test_reminder_syntax(reminder: str) -> None:
    text = VALID.replace('"2h"', f'"{reminder}"')
    assert only_problem(text) == (
        f"{SOURCE}:8: reminders[1]: {reminder!r} is not a time before the start such as "
        "2d, 24h or 30m"
    )


def test_poll_question_too_long_in_one_language() -> None:
    text = VALID.replace('ru = "Какой?"', f'ru = "{"Я" * 301}"')
    line = line_of(text, "question =")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: polls[0].question.ru: too long for a Telegram poll question: "
        "301 characters, at most 300"
    )


def test_too_many_poll_options() -> None:
    options = ", ".join(f'"Option {n}"' for n in range(13))
    text = VALID.replace(
        OPTIONS,
        f"options = [{options}]",
    )
    line = line_of(text, "options =")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: polls[0].options: a Telegram poll has 1 to 12 options, got 13"
    )


def test_poll_with_no_options() -> None:
    text = VALID.replace(
        OPTIONS, "options = []"
    )
    assert "polls[0].options: a Telegram poll has 1 to 12 options, got 0" in only_problem(text)


def test_poll_option_too_long_in_korean() -> None:
    text = VALID.replace('{ en = "B" }', f'{{ en = "B", ko = "{"나" * 101}" }}')
    line = line_of(text, '{ en = "B"')
    assert only_problem(text) == (
        f"{SOURCE}:{line}: polls[0].options[1].ko: too long for a Telegram poll option: "
        "101 characters, at most 100"
    )


def test_title_too_long() -> None:
    text = VALID.replace('ko = "라운드테이블"', f'ko = "{"가" * 257}"')
    assert only_problem(text) == f"{SOURCE}:9: title.ko: too long: 257 characters, at most 256"


def test_bullet_too_long_for_one_message_names_the_bullet_line() -> None:
    long = "w " * (MAX_PARAGRAPH_LENGTH // 2 + 1)
    text = VALID.replace('  "Two",', f'  "{long}",')
    line = line_of(text, long)
    assert only_problem(text) == (
        f"{SOURCE}:{line}: speakers[0].summary.en[1]: too long for one Telegram message: "
        f"{len(long.strip())} characters, at most {MAX_PARAGRAPH_LENGTH}"
    )


def test_description_paragraph_too_long() -> None:
    long = "x" * (MAX_PARAGRAPH_LENGTH + 1)
    text = VALID.replace("Second paragraph, with a", long + "\n\nThird")
    line = line_of(text, "description.en")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: description.en: paragraph 2 is too long for one Telegram message: "
        f"{MAX_PARAGRAPH_LENGTH + 1} characters, at most {MAX_PARAGRAPH_LENGTH}"
    )


def test_empty_strings() -> None:
    text = VALID.replace('ru = "Алиса" }', 'ru = " " }')
    text = text.replace('summary.ru = ["Раз"]', 'summary.ru = ["Раз", ""]')
    line = line_of(text, "Alice")
    assert problems_of(text) == [
        f"{SOURCE}:{line}: speakers[0].name.ru: text is empty",
        f"{SOURCE}:{line + 7}: speakers[0].summary.ru[1]: text is empty",
    ]


def test_empty_bullet_list() -> None:
    text = VALID.replace('summary.ru = ["Раз"]', "summary.ru = []")
    assert "speakers[0].summary.ru: no bullets: leave the language out to fall back to 'en'" \
        in only_problem(text)


def test_wrong_type_for_summary() -> None:
    text = VALID.replace('summary.ru = ["Раз"]', 'summary.ru = "Раз"')
    line = line_of(text, "summary.ru")
    assert only_problem(text) == (
        f"{SOURCE}:{line}: speakers[0].summary.ru: expected an array of strings, got a string"
    )


def test_file_not_utf8() -> None:
    data = VALID.encode("utf-8").replace("Круглый".encode(), "Круглый".encode("cp1251"))
    offset = data.index("Круглый".encode("cp1251"))
    assert problems_of(data) == [f"{SOURCE}:9: the file is not UTF-8 text (byte {offset})"]


def test_file_too_large() -> None:
    data = VALID.encode() + b"#" * MAX_FILE_SIZE
    assert problems_of(data) == [
        f"{SOURCE}: the file is {len(data)} bytes; a content file may have at most "
        f"{MAX_FILE_SIZE}"
    ]


def test_utf8_bom_is_accepted() -> None:
    assert parse_event(b"\xef\xbb\xbf" + VALID.encode(), SOURCE).id == "round-table"


def test_every_problem_is_collected_in_one_run() -> None:
    text = (
        VALID.replace("Asia/Seoul", "Mars/Olympus")
        .replace('id = "bob"', 'id = "Bob"')
        .replace("anonymous = true", "anonymous = 1")
        .replace('"students"', '"pupils"')
    )
    problems = problems_of(text, "many.toml")
    assert len(problems) == 4, problems
    assert all(problem.startswith("many.toml:") for problem in problems)
    joined = "\n".join(problems)
    for path in ("timezone", "speakers[1].id", "polls[0].anonymous", "topics[1]"):
        assert f": {path}: " in joined


# the line finder ---------------------------------------------------------------------------


def test_source_map_finds_nested_fields() -> None:
    text = VALID + '\n[[speakers]]\n"id" = "carol"\nname.en = "Carol"\n'
    source = SourceMap(text)
    assert source.line(("title",)) == 9
    assert source.line(("title", "ko")) == 9
    assert source.line(("speakers", 0)) == header_line(text, "[[speakers]]")
    assert source.line(("speakers", 0, "summary", "en", 1)) == line_of(text, '"Two"')
    assert source.line(("speakers", 2, "id")) == line_of(text, '"id" = "carol"')
    assert source.line(("speakers", 2, "name", "en")) == line_of(text, "Carol")
    assert source.line(("polls", 0, "options", 1, "en")) == line_of(text, '{ en = "B" }')
    assert source.line(("moderator", "name")) == line_of(text, "Mo Derator")
    # a missing field: the line of the nearest parent; nothing for a missing top-level key
    assert source.line(("speakers", 1, "position")) == header_line(text, "[[speakers]]", 2)
    assert source.line(("nowhere",)) is None


def test_source_map_survives_tricky_strings() -> None:
    text = (
        "a = '''literal [[x]] with ''' \n"
        'b = """multi\n"quoted" \\""" still in\n[[y]]\n"""\n'
        "c = { d = [1, [2, 3]], 'e f' = \"g\" }  # comment [z]\n"
        "h = 2021-04-20 10:00:00\n"
    )
    source = SourceMap(text)
    assert source.line(("a",)) == 1
    assert source.line(("b",)) == 2
    assert source.line(("c", "d", 1)) == 6
    assert source.line(("c", "e f")) == 6
    assert source.line(("h",)) == 7
    assert source.line(("y",)) is None


def test_readme_example_is_valid() -> None:
    readme = (SEED.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Event content", 1)[1].split("\n## ", 1)[0]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    event = parse_event(example, "README.md")
    assert event.speakers[0].summary.get("ko") == ("첫째 요점.", "둘째 요점.")
    assert event.moderator is not None and event.moderator.position is not None
    assert event.moderator.position.get("ko") == "Program Manager"
