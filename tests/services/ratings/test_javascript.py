"""parseInt, JSON.parse and JSON.stringify as Node runs them (checked against Node 20)."""
from __future__ import annotations

import math

import pytest

from ratings.javascript import InvalidJson, format_number, parse_int, parse_json, stringify


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("1abc", 1), ("1.5", 1), ("1e3", 1), ("007", 7), ("0x10", 16), ("0X1f", 31), ("-1", -1),
    ("0?x=1", 0), ("+5", 5), ("-0x10", -16), (" \t\u00a0\ufeff42", 42), ("99999999999999999999", 1e20),
    ("0b11", 0), ("08", 8), ("0x1g", 1), ("1" * 400, math.inf),
])
def test_parse_int(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["", "abc", "%31", "0x", "0xg", "-", "+-1", " ", "x1", "\x1c1", "\u0661"])
def test_parse_int_nan(text):
    assert parse_int(text) is None


@pytest.mark.parametrize("value, text", [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-16.0, "-16"), (1e20, "100000000000000000000"),
    (1e21, "1e+21"), (1.2345678901234567e25, "1.2345678901234566e+25"), (123456789012345680000.0, "123456789012345680000"),
    (0.1, "0.1"), (1.5, "1.5"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (0.000001, "0.000001"), (5e-324, "5e-324"),
    (2.0**53 + 2, "9007199254740994"),
])
def test_format_number(value, text):
    assert format_number(value) == text


def test_stringify_orders_integer_keys_first_as_v8_does():
    parsed = parse_json('{"b":1,"2":2,"1":3,"01":4,"-1":5,"4294967295":6,"4294967294":7}')
    assert stringify(parsed) == '{"1":3,"2":2,"4294967294":7,"b":1,"01":4,"-1":5,"4294967295":6}'


def test_stringify_values():
    parsed = parse_json(' [1, 2.50, -0, 1e400, true, false, null, "a\\"\\u0001\\n\\ud800é", {}] ')
    assert stringify(parsed) == '[1,2.5,0,null,true,false,null,"a\\"\\u0001\\n\\ud800é",{}]'


@pytest.mark.parametrize("text", ["", " ", "NaN", "Infinity", "-Infinity", "{'a':1}", "01", "[1,]",
                                  "\ufeff{}", "{\"a\":1}x", "[" * 5000])
def test_parse_json_refuses_what_json_parse_refuses(text):
    with pytest.raises(InvalidJson):
        parse_json(text)
