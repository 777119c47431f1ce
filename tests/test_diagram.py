"""`python -m stacks diagram`: drawn from the render, and the README's copy is the current one."""
from __future__ import annotations

import json

import pytest

from tests.conftest import render_scope

from stacks.__main__ import ROOT, documents
from stacks.diagram import BEGIN, END, mermaid, readme_block, update_readme
from stacks.diff_render import from_document
from tests.messages import exactly


@pytest.fixture(scope=render_scope)
def diagram(private_render, public_render):
    return mermaid([from_document(json.loads(documents(r)["resources.json"]))
                    for r in (private_render, public_render)])


def test_readme_shows_the_current_generated_diagram(diagram):
    """Regenerate with `make diagram` when this fails."""
    assert readme_block(diagram) in (ROOT / "README.md").read_text()


def test_links_between_clusters_and_stacks(diagram):
    lines = diagram.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  private_karmada_provider -- "Push" --> private_private' in lines
    assert '  public_aws_use1 -- "Pull (karmada-agent)" --> private_karmada_provider' in lines
    assert '  stack_public -. "StackReference" .-> stack_private' in lines


def test_models_carry_phase_runtime_rollout_and_placement(diagram):
    lines = diagram.splitlines()
    assert '      private_model_fx_pricer(["fx-pricer<br/>phase torchserve · torchserve (Deployment)"])' in lines
    assert ('      private_model_digit_reader(["digit-reader<br/>phase kserve · platform-torchserve-gpu · Knative'
            '<br/>canary 10%"])') in lines
    assert "  private_model_ticket_router --> private_private" in lines
    assert "  private_model_ticket_router --> public_aws_use1" in lines
    assert "  private_model_doc_classifier_batch --> public_aws_use1" in lines
    assert "  private_model_doc_classifier_batch --> private_private" not in lines


def test_components_per_cluster_are_its_helm_releases(diagram):
    assert '    subgraph public_aws_use1["cluster aws-use1: EKS inference-aws-use1 1.35"]' in diagram
    assert '      private_karmada_provider_components["kserve-crd v0.20.0"]' in diagram


def test_update_readme_replaces_only_the_block_and_needs_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{BEGIN}\nold\n{END}\noutro\n")
    assert update_readme(readme, "flowchart LR\n  a --> b\n") is True
    assert readme.read_text() == f"intro\n{BEGIN}\n```mermaid\nflowchart LR\n  a --> b\n```\n{END}\noutro\n"
    assert update_readme(readme, "flowchart LR\n  a --> b\n") is False
    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="no generated-diagram markers") as raised:
        update_readme(readme, "flowchart LR\n")
    exactly(str(raised.value))


def test_a_stack_reference_links_stacks_by_its_name_when_its_inputs_do_not_say():
    def reference(inputs):
        return from_document({"stack": "public", "resources": [
            {"type": "pulumi:pulumi:StackReference", "name": "organization/inference-platform/private",
             "parent": None, "cluster": None, "depends_on": [], "inputs": inputs}]})

    link = '  stack_public -. "StackReference" .-> stack_private'
    assert link in mermaid([reference({})]).splitlines()
    assert link in mermaid([reference({"name": "org/proj/private"})]).splitlines()
