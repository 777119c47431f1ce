"""A user mistake found inside an `apply` (the public stack's check of what the private stack asks it to host) ends
`pulumi up` as a `pulumi.RunError`, which the language host prints as one line (pulumi/pulumi v3.259.0
sdk/python/cmd/pulumi-language-python-exec: `except pulumi.RunError as e: pulumi.log.error(str(e))`; any other
exception is printed as "Program failed with an unhandled exception" and a traceback)."""
from __future__ import annotations

import pulumi
import pytest

from models.errors import ConfigError
from stacks.__main__ import main as cli, platform_error_in
from stacks.run_errors import reported
from tests.messages import exactly
from tests.test_public_stack import MEMBER, PRIVATE, finish_failed_run, private_outputs, render


def test_reported_passes_values_and_turns_a_platform_error_into_a_run_error():
    assert reported(lambda a, b: a + b)(1, 2) == 3
    with pytest.raises(pulumi.RunError) as caught:
        reported(lambda: (_ for _ in ()).throw(ConfigError("platform", "memberName", "x", "a member")))()
    assert str(caught.value) == "platform: invalid memberName 'x': expected a member"
    assert not isinstance(caught.value, ValueError)  # the SDK re-wraps ValueErrors ("While processing resource")
    assert isinstance(platform_error_in(caught.value), ConfigError)


def test_a_bug_keeps_its_traceback():
    with pytest.raises(KeyError):
        reported(lambda: {}["missing"])()


def _failed_run(outputs) -> BaseException:
    try:
        render(outputs=outputs)
    except Exception as exc:  # noqa: BLE001 - what the language host would receive
        caught = exc
    else:
        pytest.fail("the run succeeded")
    finish_failed_run()
    return caught


def test_member_check_in_an_apply_reaches_the_language_host_as_one_line_run_error():
    outputs = private_outputs()
    contracts = outputs[PRIVATE]["outputs"]["memberContracts"]
    contracts["gcp-euw1"] = contracts.pop(MEMBER)
    caught = _failed_run(outputs)
    assert type(caught) is pulumi.RunError  # exactly what `run_in_stack` raises to the host
    assert str(caught) == (f"platform: invalid memberName '{MEMBER}': expected a member the private stack plans for "
                           "(its platform:members names this stack); it plans for: ['gcp-euw1']")
    assert "\n" not in str(caught) and "While processing" not in str(caught)


def test_bad_private_outputs_read_inside_applies_are_run_errors_too():
    for changes in ({"karmadaApiEndpoint": "http://karmada:5443"}, {"karmadaCaCrt": "not a pem"},
                    {"memberContracts": "not a map"}, {f"karmadaAgentCredentials-{MEMBER}": {"crt": "c"}}):
        caught = _failed_run(private_outputs(**changes))
        assert type(caught) is pulumi.RunError, changes
        assert "\n" not in str(caught) and str(caught) == str(platform_error_in(caught)), changes
        exactly(str(caught))


def test_render_cli_reports_an_apply_check_in_one_line_and_exits_2(tmp_path, capsys):
    stack_file = tmp_path / "Pulumi.public.yaml"
    stack_file.write_text(open("Pulumi.public.yaml").read().replace("platform:memberName: aws-use1",
                                                                     "platform:memberName: aws-euw1"))
    out = tmp_path / "out"
    assert cli(["render", "public", "--out", str(out), "--config-file", str(stack_file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: platform: invalid memberName 'aws-euw1': expected a member "
                                                    "the private stack plans for")
    assert "'aws-euw1'" in err and not out.exists()
    exactly(err)
    finish_failed_run()
