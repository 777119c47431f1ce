"""stacks/config_reader.py at each boundary, on both sides, with the exact one-line error.

Every stack-file reader is built from `Section`; a reader checks what its fields mean, `Section` checks that they
are of the right type and range. So each typed reader is tested here with the last value that passes and the first
that fails, and the error compared as the whole message a user reads.
"""
from __future__ import annotations

import enum
import re

import pytest

from models.errors import ConfigError
from stacks.config_reader import (DNS_LABEL, DNS_SUBDOMAIN, INT32_MAX, PORT, REGION, Section, split_url,
                                  text_problem)
from tests.messages import exactly


def error(call) -> str:
    with pytest.raises(ConfigError) as info:
        call()
    return exactly(str(info.value))


def test_int32_max_is_the_kubernetes_int32_limit():
    assert INT32_MAX == 2147483647


def test_int_bounds_both_sides():
    s = Section("platform:x", {"lo": 1, "hi": 5, "zero": 0, "neg": -1, "big": 2147483647, "bigger": 2147483648},
                ("lo", "hi", "zero", "neg", "big", "bigger"))
    assert s.int("lo", minimum=1, maximum=5) == 1
    assert s.int("hi", minimum=1, maximum=5) == 5
    assert error(lambda: s.int("zero", minimum=1, maximum=5)) == (
        "platform:x: invalid zero 0: expected an integer from 1 to 5")
    assert error(lambda: s.int("hi", minimum=1, maximum=4)) == (
        "platform:x: invalid hi 5: expected an integer from 1 to 4")
    assert s.int("zero") == 0  # default minimum 0
    assert error(lambda: s.int("neg")) == "platform:x: invalid neg -1: expected an integer from 0 to 2147483647"
    assert s.int("big") == 2147483647
    assert error(lambda: s.int("bigger")) == (
        "platform:x: invalid bigger 2147483648: expected an integer from 0 to 2147483647")


def test_int_refuses_bools_floats_and_text_in_a_nested_section():
    s = Section("platform:x", {"b": True, "f": 1.5, "t": "3"}, ("b", "f", "t"))
    assert error(lambda: s.int("b")) == "platform:x: invalid b True: expected an integer from 0 to 2147483647"
    assert error(lambda: s.int("f")) == "platform:x: invalid f 1.5: expected an integer from 0 to 2147483647"
    assert error(lambda: s.int("t")) == "platform:x: invalid t '3': expected an integer from 0 to 2147483647"


def test_top_level_int_arrives_as_text_under_pulumi_up():
    top = Section("platform", {"n": "3", "z": "0", "m": "-2", "lead": "03", "word": "three"},
                  ("n", "z", "m", "lead", "word"), namespace=True)
    assert top.int("n") == 3 and top.int("z") == 0
    assert top.int("m", minimum=-5) == -2
    assert error(lambda: top.int("lead")) == "platform: invalid lead '03': expected an integer from 0 to 2147483647"
    assert error(lambda: top.int("word")) == (
        "platform: invalid word 'three': expected an integer from 0 to 2147483647")


def test_int_defaults_and_required():
    s = Section("platform:x", {"gone": None}, ("a", "gone"))
    assert s.int("a", 7) == 7
    assert s.int("a", None) is None
    assert s.int("gone", 2) == 2  # null counts as absent
    assert error(lambda: s.int("a")) == "platform:x: invalid a None: expected a value (required)"


def test_bool_strict_in_sections_text_at_top_level():
    s = Section("platform:x", {"t": True, "f": False, "s": "true", "n": 1}, ("t", "f", "s", "n"))
    assert s.bool("t") is True and s.bool("f") is False
    assert error(lambda: s.bool("s")) == "platform:x: invalid s 'true': expected true or false"
    assert error(lambda: s.bool("n")) == "platform:x: invalid n 1: expected true or false"
    top = Section("platform", {"t": "true", "f": "false", "y": "yes"}, ("t", "f", "y"), namespace=True)
    assert top.bool("t") is True and top.bool("f") is False
    assert error(lambda: top.bool("y")) == "platform: invalid y 'yes': expected true or false"


def test_bool_default_applies_only_when_absent():
    s = Section("platform:x", {"t": True}, ("t", "u"))
    assert s.bool("u", False) is False
    assert s.bool("u", True) is True
    assert s.bool("t", False) is True
    assert error(lambda: s.bool("u")) == "platform:x: invalid u None: expected a value (required)"


def test_str_checks_type_whitespace_control_characters_and_pattern():
    s = Section("platform:x", {"ok": "abc", "num": 5, "pad": " abc", "nl": "ab\nc", "tab": "a\tb", "del": "a\x7fb",
                               "up": "ABC"}, ("ok", "num", "pad", "nl", "tab", "del", "up"))
    assert s.str("ok") == "abc"
    assert s.str("ok", pattern=r"[a-c]+") == "abc"
    assert s.str("missing", None) is None
    assert s.str("missing", "d") == "d"
    assert error(lambda: s.str("num")) == "platform:x: invalid num 5: expected a string"
    assert error(lambda: s.str("num", expected="a name")) == "platform:x: invalid num 5: expected a name"
    assert error(lambda: s.str("pad")) == (
        "platform:x: invalid pad ' abc': expected a string, with no leading or trailing whitespace")
    assert error(lambda: s.str("nl", expected="a host")) == (
        "platform:x: invalid nl 'ab\\nc': expected a host, with no control characters (newline, tab, ...)")
    assert "no control characters" in error(lambda: s.str("tab"))
    assert "no control characters" in error(lambda: s.str("del"))
    assert error(lambda: s.str("up", pattern=DNS_LABEL, expected="a DNS label")) == (
        "platform:x: invalid up 'ABC': expected a DNS label")
    assert error(lambda: s.str("up", pattern=DNS_LABEL)) == "platform:x: invalid up 'ABC': expected a string"


def test_text_problem():
    assert text_problem("abc") is None
    assert text_problem("a b") is None
    assert text_problem("abc\n") == "no leading or trailing whitespace"
    assert text_problem("a\x00b") == "no control characters (newline, tab, ...)"
    assert text_problem("a\x1fb") == "no control characters (newline, tab, ...)"
    assert text_problem("a\x20b") is None
    assert text_problem("a\x7fb") == "no control characters (newline, tab, ...)"


class Mode(enum.Enum):
    A = "a"
    B = "b"


def test_enum():
    s = Section("platform:x", {"m": "b", "bad": "c", "up": "A"}, ("m", "bad", "up"))
    assert s.enum("m", Mode) is Mode.B
    assert s.enum("missing", Mode, Mode.A) is Mode.A
    assert s.enum("missing", Mode, None) is None
    assert s.enum("m", Mode, None) is Mode.B  # a value given with an optional default is still parsed
    assert s.enum("missing", Mode, "b") is Mode.B
    assert error(lambda: s.enum("bad", Mode)) == "platform:x: invalid bad 'c': expected one of 'a', 'b'"
    assert error(lambda: s.enum("up", Mode)) == "platform:x: invalid up 'A': expected one of 'a', 'b'"


def test_list():
    s = Section("platform:x", {"l": [1], "e": [], "d": {"a": 1}, "t": "a,b"}, ("l", "e", "d", "t"))
    assert s.list("l") == [1] and s.list("e") == []
    assert s.list("missing", []) == []
    assert error(lambda: s.list("d")) == "platform:x: invalid d {'a': 1}: expected a list"
    assert error(lambda: s.list("t")) == "platform:x: invalid t 'a,b': expected a list"
    assert error(lambda: s.list("missing")) == "platform:x: invalid missing None: expected a value (required)"


def test_section_shape_and_keys():
    assert error(lambda: Section("platform:x", [1], ("a",))) == "platform:x: invalid section [1]: expected a mapping"
    assert error(lambda: Section("platform:x", "a", ("a",))) == "platform:x: invalid section 'a': expected a mapping"
    assert error(lambda: Section("platform:x", {1: "a"}, ("a",))) == (
        "platform:x: invalid key 1: expected a string key (quote it)")
    assert error(lambda: Section("platform:x", {"b": 2, "a": 1, "c": 3}, ("a",))) == (
        "platform:x: invalid key 'b': expected one of the known keys: a")
    assert error(lambda: Section("platform:x", {"z": 1}, ("b", "a"))) == (
        "platform:x: invalid key 'z': expected one of the known keys: a, b")
    assert Section("platform:x", None, ("a",)).data == {}
    assert Section("platform:x", {"a": None}, ("a",)).data == {}


def test_nested_section_names_and_unknown_keys():
    top = Section("platform", {"eks": {"systemNodes": {"minSize": 1, "bogus": 2}}}, ("eks",), namespace=True)
    eks = top.section("eks", ("systemNodes",))
    assert eks.where == "platform:eks"
    assert error(lambda: eks.section("systemNodes", ("minSize",))) == (
        "platform:eks.systemNodes: invalid key 'bogus': expected one of the known keys: minSize")
    assert eks.section("absent", ("a",)).data == {}
    assert eks.section("absent", ("a",)).where == "platform:eks.absent"
    # a nested section's scalars are YAML-typed: no text coercion below the top level
    nested = Section("platform", {"k": {"n": "3"}}, ("k",), namespace=True).section("k", ("n",))
    assert error(lambda: nested.int("n")) == "platform:k: invalid n '3': expected an integer from 0 to 2147483647"


def test_split_url():
    assert split_url("https://h.example:443/p").port == 443
    assert split_url("https://h.example:65535").port == 65535
    assert split_url("https://h.example:1").port == 1
    assert split_url("https://h.example").port is None
    assert split_url("https://h.example").hostname == "h.example"
    assert split_url("https://h.example:0") is None
    assert split_url("https://h.example:65536") is None
    assert split_url("https://h.example:x") is None
    assert split_url("http://[::1") is None


@pytest.mark.parametrize("text, ok", [("1", True), ("9999", True), ("10000", True), ("59999", True),
                                      ("60000", True), ("64999", True), ("65000", True), ("65499", True),
                                      ("65500", True), ("65529", True), ("65530", True), ("65535", True),
                                      ("0", False), ("65536", False), ("65540", False), ("65600", False),
                                      ("66000", False), ("70000", False), ("100000", False), ("01", False)])
def test_port_pattern_both_sides(text, ok):
    assert bool(re.fullmatch(PORT, text)) is ok


@pytest.mark.parametrize("text, ok", [("a", True), ("a" * 63, True), ("a" * 64, False), ("a-b", True),
                                      ("-a", False), ("a-", False), ("A", False), ("a.b", False), ("", False)])
def test_dns_label_both_sides(text, ok):
    assert bool(re.fullmatch(DNS_LABEL, text)) is ok


@pytest.mark.parametrize("text, ok", [("a.b", True), (".".join(["a" * 63] * 3) + "." + "a" * 61, True),
                                      (".".join(["a" * 63] * 3) + "." + "a" * 62, False), ("a..b", False),
                                      ("a.b:80", False), ("a/b", False), ("a" * 64, False)])
def test_dns_subdomain_both_sides(text, ok):
    assert bool(re.fullmatch(DNS_SUBDOMAIN, text)) is ok


@pytest.mark.parametrize("text, ok", [("us-east-1", True), ("us-gov-west-1", True), ("ap-southeast-2", True),
                                      ("us-east", False), ("useast-1", False), ("US-east-1", False),
                                      ("u-east-1", False), ("us-east-1a", False)])
def test_region_both_sides(text, ok):
    assert bool(re.fullmatch(REGION, text)) is ok


def test_an_unknown_key_is_named_and_its_value_never_shown():
    """A key put in the wrong section may hold a credential; the error goes to CI logs."""
    message = error(lambda: Section("platform:storage", {"accessKey": "AKIAEXAMPLESECRET0001"},
                                    ("credentialsSecret", "s3Endpoint")))
    assert message == "platform:storage: invalid key 'accessKey': expected one of the known keys: credentialsSecret, s3Endpoint"
    assert "AKIA" not in message
