"""The corpus of mistakes a new user makes, by class, several members each. Every rejection: exit code 2 from the
render, nothing registered or written, one line naming the stack file (or model), the field, the value and what
was expected."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pulumi
import pytest

from models.errors import ConfigError, DeclarationError
from models.registry import load_catalog
from models.spec import Model, Scaling, Source
from tests.registrations import record_registrations
from stacks.__main__ import load_stack_file, main as render_main
from stacks.config_reader import Section
from stacks.names import check_karmada_cluster_name
from stacks.program import config_value, platform_config
from stacks.public_config import read_public_config
from tests.messages import exactly

ROOT = Path(__file__).resolve().parent.parent
PRIVATE = (ROOT / "Pulumi.private.yaml").read_text()
PUBLIC = (ROOT / "Pulumi.public.yaml").read_text()
NAME_49 = "m" * 49
NAME_48 = "m" * 48


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def rejected(tmp_path, monkeypatch, capsys, text: str, stack: str = "private") -> str:
    """Render `text` as the stack file; assert exit 2, nothing registered or written, one line; return it."""
    registered = record_registrations(monkeypatch)
    config_file = tmp_path / f"Pulumi.{stack}.yaml"
    config_file.write_text(text)
    out = tmp_path / "out"
    assert render_main(["render", stack, "--out", str(out), "--config-file", str(config_file)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not out.exists()
    exactly(err.replace(str(tmp_path), "<tmp>"))
    if stack == "private":  # a public render registers the private stack's resources first, to read its outputs
        assert registered == {}
    return err


def check(tmp_path, monkeypatch, capsys, text, *needles, stack="private"):
    err = rejected(tmp_path, monkeypatch, capsys, text, stack)
    for needle in needles:
        assert needle in err, err


# --- strings that must parse as URLs -------------------------------------------------------------------------------

API = "apiEndpoint: https://karmada.corp.example:32443"


@pytest.mark.parametrize("text,needles", [
    (edit(PRIVATE, API, 'apiEndpoint: "https://[::1"'), ["platform:karmada: invalid apiEndpoint 'https://[::1'"]),
    (edit(PRIVATE, API, "apiEndpoint: https://karmada.corp.example:70000"),
     ["invalid apiEndpoint 'https://karmada.corp.example:70000'", "port is a number from 1 to 65535"]),
    (edit(PRIVATE, API, "apiEndpoint: https://karmada.corp.example:0"), ["port is a number from 1 to 65535"]),
    (edit(PRIVATE, API, 'apiEndpoint: "https://karma da.corp.example:32443"'),
     ["invalid apiEndpoint 'https://karma da.corp.example:32443'", "host is a DNS name"]),
    (edit(PRIVATE, API, "apiEndpoint: https://karmada_x.corp.example:32443"), ["host is a DNS name"]),
    (edit(PRIVATE, API, "apiEndpoint: https://admin:pw@karmada.corp.example:32443"),
     ["no user, path, query or fragment"]),
    (edit(PRIVATE, API, "apiEndpoint: https://karmada.corp.example:32443/api?x=1"),
     ["no user, path, query or fragment"]),
    (edit(PRIVATE, 'source: "s3://ml-artifacts"', 'source: "s3://[ml-artifacts"'),
     ["platform:bucketMirrors[0]: invalid source 's3://[ml-artifacts'"]),
    (edit(PRIVATE, 'mirror: "s3://ml-artifacts-us-east-1"', 'mirror: "https://mirror.example:99999/a"'),
     ["platform:bucketMirrors[0]: invalid mirror 'https://mirror.example:99999/a'"]),
    (edit(PRIVATE, "credentialsSecret: model-storage-s3", 'credentialsSecret: model-storage-s3\n    s3Endpoint: "https://[::1"'),
     ["platform:storage: invalid s3Endpoint 'https://[::1'"]),
    (edit(PRIVATE, "platform:registryMirror: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror",
          "platform:registryMirror: mirror.example.com:99999/path"),
     ["platform: invalid registryMirror 'mirror.example.com:99999/path'"]),
])
def test_urls_that_do_not_parse_are_config_errors(tmp_path, monkeypatch, capsys, text, needles):
    check(tmp_path, monkeypatch, capsys, text, *needles)


def _model(**changes) -> Model:
    fields = dict(name="m", storage_uri="s3://bucket/m", source=Source(factory="a.b:c", input_shape=(2,)))
    return Model(**{**fields, **changes})


@pytest.mark.parametrize("uri", ["https://[::1/m.tar.gz", "https://host:99999/m.tar.gz", "https://host:x/m.tar.gz"])
def test_storage_uris_that_do_not_parse_are_declaration_errors(uri):
    with pytest.raises(DeclarationError) as caught:
        _model(storage_uri=uri)
    assert caught.value.field == "storage_uri" and caught.value.value == uri
    assert str(caught.value).startswith(f"model 'm': invalid storage_uri {uri!r}: expected a URL that parses")


# --- YAML keys that are not strings ----------------------------------------------------------------------------------

def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the file on which `fragment` starts (the stack file changes; its lines move)."""
    return text[:text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize("old,new,needle", [
    ("    fx-pricer: {phase: torchserve}", "    1: {phase: torchserve}", "column 5: invalid key 1"),
    ("    fx-pricer: {phase: torchserve}", "    ~: {phase: torchserve}", "column 5: invalid key None"),
    ("fraud-scorer: {phase: kserve, minReplicas: 3}", "fraud-scorer: {phase: kserve, true: 3}",
     "column 35: invalid key True"),
    ("  platform:phase: hybrid", "  2024: hybrid", "column 3: invalid key 2024"),
])
def test_keys_that_are_not_strings_are_refused_with_line_and_column(tmp_path, monkeypatch, capsys, old, new, needle):
    err = rejected(tmp_path, monkeypatch, capsys, edit(PRIVATE, old, new))
    assert f"Pulumi.private.yaml line {line_of(PRIVATE, old)} {needle}" in err and "expected a string key" in err


def test_a_non_string_key_reaching_a_reader_directly_is_refused():
    with pytest.raises(ConfigError) as caught:
        Section("platform:kserve", {None: 1, "deploymentMode": "Knative"}, ("deploymentMode",))
    assert (caught.value.field, caught.value.value) == ("key", None)


# --- quoted values that look like numbers, booleans or null ----------------------------------------------------------

def test_pulumi_hands_scalars_over_as_text_and_they_stay_strings():
    """`pulumi up` gives top-level scalars as their text (quoted or not) and mappings/lists as JSON."""
    assert config_value("2024") == "2024" and config_value("true") == "true" and config_value("1.35") == "1.35"
    assert config_value('"x"') == '"x"'
    assert config_value('{"a": "2024", "b": 2024}') == {"a": "2024", "b": 2024}
    assert config_value("[1]") == [1] and config_value("null") is None
    assert config_value("{not json") == "{not json"


def test_platform_config_reads_the_clis_environment_with_the_same_rules(monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({
        "platform:namespace": "2024", "platform:phase": "true",
        "platform:models": json.dumps({"fx-pricer": {"canaryPercent": "10"}}), "aws:region": "us-east-1"}))
    pulumi.runtime.set_all_config({})
    assert platform_config() == {"namespace": "2024", "phase": "true", "models": {"fx-pricer": {"canaryPercent": "10"}}}


def test_top_level_numbers_and_booleans_arrive_as_text_and_are_read_like_pulumi_does():
    top = Section("platform", {"n": "3", "b": "true", "s": "2024"}, ("n", "b", "s"), namespace=True)
    assert top.int("n") == 3 and top.bool("b") is True and top.str("s") == "2024"
    nested = Section("platform:x", {"n": "3", "b": "true"}, ("n", "b"))
    with pytest.raises(ConfigError, match="invalid n '3': expected an integer") as raised:
        nested.int("n")  # inside a mapping, JSON keeps the quotes: a quoted number is a string
    exactly(str(raised.value))
    with pytest.raises(ConfigError, match="invalid b 'true': expected true or false") as raised:
        nested.bool("b")
    exactly(str(raised.value))


def test_a_namespace_that_looks_like_a_number_renders_as_that_string(tmp_path):
    from stacks.__main__ import render_stack

    path = tmp_path / "Pulumi.private.yaml"
    path.write_text(edit(PRIVATE, "platform:namespace: inference", 'platform:namespace: "2024"'))
    assert render_stack("private", path).outputs["modelNamespace"] == "2024"


@pytest.mark.parametrize("old,new,needle", [
    ("platform:phase: hybrid", 'platform:phase: "true"', "platform: invalid phase 'true'"),
    ("fraud-scorer: {phase: kserve, minReplicas: 3}", 'fraud-scorer: {phase: kserve, minReplicas: "3"}',
     "platform:models.fraud-scorer: invalid minReplicas '3': expected an integer"),
    ("deploymentMode: Knative  ", 'deploymentMode: "null"  ', "platform:kserve: invalid deploymentMode 'null'"),
])
def test_quoted_look_alikes_stay_strings(tmp_path, monkeypatch, capsys, old, new, needle):
    check(tmp_path, monkeypatch, capsys, edit(PRIVATE, old, new), needle)


# --- unknown top-level keys of the stack file ------------------------------------------------------------------------

@pytest.mark.parametrize("key,hint", [("confg", "'config'"), ("secretsProvider", "'secretsprovider'"),
                                      ("encryption_salt", "'encryptionsalt'"), ("platform", None)])
def test_unknown_top_level_keys_are_refused(tmp_path, monkeypatch, capsys, key, hint):
    err = rejected(tmp_path, monkeypatch, capsys, PRIVATE + f"{key}: x\n")
    assert f"invalid top-level key '{key}': expected one of config, encryptedkey, encryptionsalt" in err
    assert (f"did you mean {hint}?" in err) if hint else "did you mean" not in err


def test_pulumis_own_top_level_keys_are_accepted(tmp_path):
    path = tmp_path / "Pulumi.private.yaml"
    path.write_text("secretsprovider: passphrase\nencryptionsalt: v1:abc\nencryptedkey: k\nenvironment: [e]\n"
                    "config:\n  platform:phase: torchserve\n")
    assert load_stack_file("private", path) == {"platform:phase": "torchserve"}


# --- numbers beyond the Kubernetes API's int32 -----------------------------------------------------------------------

@pytest.mark.parametrize("old,new,needle", [
    ("fraud-scorer: {phase: kserve, minReplicas: 3}", "fraud-scorer: {phase: kserve, maxReplicas: 2147483648}",
     "invalid maxReplicas 2147483648: expected an integer from 1 to 2147483647"),
    ("fraud-scorer: {phase: kserve, minReplicas: 3}", "fraud-scorer: {phase: kserve, minReplicas: 99999999999}",
     "invalid minReplicas 99999999999: expected an integer from 0 to 2147483647"),
    ("canaryPercent: 10}", "canaryPercent: 101}", "invalid canaryPercent 101: expected an integer from 0 to 100"),
])
def test_numbers_beyond_int32_are_refused(tmp_path, monkeypatch, capsys, old, new, needle):
    check(tmp_path, monkeypatch, capsys, edit(PRIVATE, old, new), needle)


def test_int32_bounds_on_both_sides():
    s = Section("platform:x", {"a": 2**31 - 1, "b": 2**31}, ("a", "b"))
    assert s.int("a") == 2147483647
    with pytest.raises(ConfigError, match="expected an integer from 0 to 2147483647") as raised:
        s.int("b")
    exactly(str(raised.value))
    assert _model(scaling=Scaling(min_replicas=1, max_replicas=2**31 - 1)).scaling.max_replicas == 2147483647
    with pytest.raises(DeclarationError, match="scaling.max_replicas 2147483648: expected an integer from 1 to") as raised:
        _model(scaling=Scaling(min_replicas=1, max_replicas=2**31))
    exactly(str(raised.value))


# --- derived names: Karmada cluster names and their execution namespaces ---------------------------------------------

def test_karmada_cluster_names_end_at_48_characters():
    assert check_karmada_cluster_name("w", "name", NAME_48) == NAME_48  # karmada-es-<48> is 59 characters
    with pytest.raises(ConfigError) as caught:
        check_karmada_cluster_name("w", "name", NAME_49)
    assert "at most 48 characters" in str(caught.value) and "'karmada-es-<name>'" in str(caught.value)


@pytest.mark.parametrize("old,new,needle", [
    ("    name: private  ", f"    name: {NAME_49}  ", f"platform:cluster: invalid name '{NAME_49}'"),
])
def test_member_and_cluster_names_karmada_would_refuse(tmp_path, monkeypatch, capsys, old, new, needle):
    check(tmp_path, monkeypatch, capsys, edit(PRIVATE, old, new), needle, "at most 48 characters")


def test_public_member_name_karmada_would_refuse():
    values = {k.removeprefix("platform:"): v for k, v in load_stack_file("public").items() if k.startswith("platform:")}
    with pytest.raises(ConfigError, match=f"platform: invalid memberName '{NAME_49}'.*at most 48") as raised:
        read_public_config({**values, "memberName": NAME_49}, "us-east-1")
    exactly(str(raised.value))


# --- whitespace and control characters -------------------------------------------------------------------------------

@pytest.mark.parametrize("old,new,needle", [
    ("platform:namespace: inference", 'platform:namespace: "inference\\n"', "invalid namespace 'inference\\n'"),
    ("kubeconfigContext: onprem-prod", 'kubeconfigContext: "onprem-prod\\t"', "invalid kubeconfigContext"),
    ('source: "s3://ml-artifacts"', 'source: "s3://ml artifacts"', "invalid source 's3://ml artifacts'"),
    ("    name: private  ", '    name: " private"  ', "invalid name ' private'"),
    ("credentialsSecret: model-storage-s3", 'credentialsSecret: "model-storage-s3\\u0000"', "credentialsSecret"),
])
def test_whitespace_and_control_characters_are_refused(tmp_path, monkeypatch, capsys, old, new, needle):
    check(tmp_path, monkeypatch, capsys, edit(PRIVATE, old, new), needle)


def test_whitespace_in_public_lists_and_region_is_refused():
    values = {k.removeprefix("platform:"): v for k, v in load_stack_file("public").items() if k.startswith("platform:")}
    eks = dict(values["eks"], subnetIds=["subnet-0a1b2c3d4e5f60001\n"])
    with pytest.raises(ConfigError, match="invalid subnetIds 'subnet-0a1b2c3d4e5f60001\\\\n'.*whitespace") as raised:
        read_public_config({**values, "eks": eks}, "us-east-1")
    exactly(str(raised.value))
    with pytest.raises(ConfigError, match="aws: invalid region 'us-east-1\\\\n'") as raised:
        read_public_config(values, "us-east-1\n")
    exactly(str(raised.value))


@pytest.mark.parametrize("uri", ["s3://bucket/m\n", "s3://buck et/m", "s3://bucket/m\t", "pvc://claim/\x00m"])
def test_whitespace_in_storage_uris_is_a_declaration_error(uri):
    with pytest.raises(DeclarationError, match="without whitespace or control characters") as raised:
        _model(storage_uri=uri)
    exactly(str(raised.value))


# --- YAML syntax errors ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,needle", [
    ("config:\n  platform:phase: [torchserve\n", "line 3 column 1: not valid YAML: expected ',' or ']'"),
    ("config:\n  platform:phase: torchserve\n   platform:namespace: x\n", "line 3 column 22: not valid YAML: "),
    ('config:\n  platform:phase: "torchserve\n', "line 3 column 1: not valid YAML: found unexpected end of stream"),
])
def test_yaml_syntax_errors_are_one_line_with_line_and_column(tmp_path, monkeypatch, capsys, text, needle):
    check(tmp_path, monkeypatch, capsys, text, "Pulumi.private.yaml " + needle)


# --- misspelled keyword arguments in a declaration -------------------------------------------------------------------

@pytest.fixture
def bad_catalog(tmp_path, monkeypatch):
    pkg = tmp_path / "badcatalog"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield pkg
    for name in [m for m in sys.modules if m.startswith("badcatalog")]:
        del sys.modules[name]


@pytest.mark.parametrize("body,needle", [
    ('Model(name="m", storage_uri="s3://b/m", source=SRC, min_replicas=1)',
     "model 'badcatalog/m.py line 3': invalid Model(...) keyword argument 'min_replicas': expected one of Model's "
     "fields: name, storage_uri, source,"),
    ('Model(name="m", storage_uri="s3://b/m", source=SRC, scaling=Scaling(max_replica=2))',
     "model 'badcatalog/m.py line 3': invalid Scaling(...) keyword argument 'max_replica': expected one of "
     "Scaling's fields: min_replicas, max_replicas, target_concurrency"),
    ('Model(name="m", source=SRC)',
     "model 'badcatalog/m.py line 3': invalid declaration \"Model.__init__() missing 1 required positional argument: "
     "'storage_uri'\""),
])
def test_misspelled_declaration_arguments_name_the_model_file(bad_catalog, tmp_path, monkeypatch, capsys, body, needle):
    (bad_catalog / "m.py").write_text(textwrap.dedent(f"""\
        from models.spec import Model, Scaling, Source
        SRC = Source(factory="a.b:c", input_shape=(2,))
        model = {body}
        """))
    with pytest.raises(DeclarationError) as caught:
        load_catalog("badcatalog")
    assert str(caught.value).startswith(needle), str(caught.value)
    # Through the render: exit 2, one line, nothing registered.
    for name in [m for m in sys.modules if m.startswith("badcatalog.")]:
        del sys.modules[name]
    monkeypatch.setattr("stacks.private.load_catalog", lambda: load_catalog("badcatalog"))
    err = rejected(tmp_path, monkeypatch, capsys, "config:\n  platform:phase: torchserve\n")
    assert err.startswith("error: " + needle)


def test_top_level_booleans_reach_the_program_as_pulumi_hands_them():
    """`pulumi config` hands a YAML boolean to the program as the text 'true' or 'false' (and structured values as
    JSON): the offline render must do the same, or a stack reads the opposite of its file."""
    from stacks.render import _config_strings

    assert _config_strings({"platform:a": True, "platform:b": False, "platform:c": None, "platform:d": [1],
                            "platform:e": 3}) == {"platform:a": "true", "platform:b": "false",
                                                  "platform:c": "null", "platform:d": "[1]", "platform:e": "3"}
