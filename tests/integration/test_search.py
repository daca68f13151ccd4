"""Search finds incidents by title, timeline and summary words, and never fails on odd input."""

from __future__ import annotations

import pytest

from tests.conftest import Api


def numbers(api: Api, query: str) -> list[int]:
    response = api.get("/api/v1/search", params={"q": query})
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


@pytest.fixture
def incidents(api: Api) -> Api:
    api.post("/api/v1/incidents", json={"title": "Checkout database failover", "severity": 1})
    api.post("/api/v1/incidents", json={"title": "Login latency", "severity": 3})
    api.say("inc-2-login-latency", "the redis cluster evicted sessions")
    api.say("inc-2-login-latency", "/inc resolve raised maxmemory on cache nodes")
    return api


def test_finds_by_title_word_case_insensitively(incidents: Api) -> None:
    assert numbers(incidents, "DATABASE") == [1]
    assert numbers(incidents, "checkout failover") == [1]


def test_finds_by_timeline_and_summary_words(incidents: Api) -> None:
    assert numbers(incidents, "Redis") == [2]
    assert numbers(incidents, "maxmemory") == [2]


def test_all_words_must_match(incidents: Api) -> None:
    assert numbers(incidents, "redis database") == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'; DROP TABLE incidents; --",
        "NEAR(",
        "*",
        "^",
        "a OR",
        "(((",
        "💥",
        "AND",
        "login:*",
        "\\",
        "%_",
        "col:value",
    ],
)
def test_odd_characters_never_fail(incidents: Api, query: str) -> None:
    numbers(incidents, query)


def test_missing_query_is_422(api: Api) -> None:
    response = api.get("/api/v1/search")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "query.q"
