"""Events built in code for rendering and flow tests (the content parser is tested apart)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models import Event, Localized, Person, Speaker

MOSCOW = ZoneInfo("Europe/Moscow")


def loc(en: str, ru: str | None = None, ko: str | None = None) -> Localized[str]:
    values = {"en": en}
    if ru is not None:
        values["ru"] = ru
    if ko is not None:
        values["ko"] = ko
    return Localized(values, "en")


def bullets(*points: str) -> Localized[tuple[str, ...]]:
    return Localized(
        {
            "en": tuple(points),
            "ru": tuple(f"{p} (по-русски)" for p in points),
            "ko": tuple(f"{p} (한국어)" for p in points),
        },
        "en",
    )


def speaker(key: str, name: str, ru: str, ko: str, *points: str) -> Speaker:
    return Speaker(
        key=key,
        name=loc(name, ru, ko),
        position=loc(f"Expert <{key}> & co", f"Эксперт <{key}> и Ко", f"전문가 <{key}>"),
        summary=bullets(*points),
        role=loc("Main session", "Основная сессия", "본 세션"),
    )


def round_table(
    event_id: str = "riac-kf-2021",
    starts_at: datetime | None = None,
    *,
    speakers: int = 3,
) -> Event:
    """The seed round table (shortened), dated 20 April 2021 10:00–12:30 Moscow time."""
    start = starts_at or datetime(2021, 4, 20, 10, 0, tzinfo=MOSCOW)
    names = [
        ("ivashentsov", "Gleb Ivashentsov", "Глеб Ивашенцов", "글렙 이바셴초프"),
        ("lee", "Geun Lee", "Ли Гын", "이근"),
        ("koldunova", "Ekaterina Koldunova", "Екатерина Колдунова", "예카테리나 콜두노바"),
        ("pyatachkova", "Anastasia Pyatachkova", "Анастасия Пятачкова", "아나스타시야 퍄타치코바"),
        ("shin", "Beom Shik Shin", "Син Бом Сик", "신범식"),
        ("ko", "Sangtu Ko", "Ко Сан Ту", "고상두"),
    ]
    return Event(
        id=event_id,
        default_language="en",
        timezone="Europe/Moscow",
        starts_at=start,
        ends_at=start + timedelta(hours=2, minutes=30),
        title=loc(
            "Strategic Situation in the Asia Pacific <Threats> & Opportunities",
            "Стратегическая ситуация в АТР: угрозы и возможности",
            "아시아태평양 전략 상황: 위협과 기회",
        ),
        format=loc("Online round table", "Онлайн круглый стол", "온라인 라운드테이블"),
        organisers=(
            loc("RIAC", "РСМД", "러시아 국제문제위원회"),
            loc("Korea Foundation", "Фонд «Корея»", "한국국제교류재단"),
        ),
        description=loc(
            "A joint project <script>alert('x')</script> of RIAC & KF.",
            "Совместный проект РСМД и Фонда «Корея».",
            "러시아 국제문제위원회와 한국국제교류재단의 공동 프로젝트.",
        ),
        moderator=Person(
            loc("Ksenia Kuzmina", "Ксения Кузьмина", "크세니아 쿠즈미나"),
            loc("RIAC Program Manager", "Программный менеджер РСМД", "RIAC 프로그램 매니저"),
        ),
        link="https://russiancouncil.ru/en/activity/news/?a=1&b=2",
        speakers=tuple(
            speaker(key, en, ru, ko, f"{en} point one & <b>", f"{en} point two")
            for key, en, ru, ko in names[:speakers]
        ),
        languages=frozenset({"en", "ru", "ko"}),
    )
