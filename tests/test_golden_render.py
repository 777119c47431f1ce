"""Both example renders against the golden snapshot in tests/golden/render (see stacks/golden.py).

Any change to a manifest, release or resource fails here naming the file and object; if it is meant, regenerate
with `make golden` and let the diff be reviewed.
"""
from __future__ import annotations

from stacks.__main__ import documents
from stacks.golden import GOLDEN_DIR, REGENERATE, load, normalise, problems


def _current(private_render, public_render) -> dict[str, str]:
    files = {}
    for stack, render in (("private", private_render), ("public", public_render)):
        for rel, text in documents(render).items():
            files[f"{stack}/{rel}"] = normalise(rel, text)
    return files


def test_both_renders_match_the_golden_snapshot(private_render, public_render):
    golden = load()
    assert golden, f"no snapshot in {GOLDEN_DIR}; {REGENERATE}"
    found = problems(golden, _current(private_render, public_render))
    assert not found, "\n".join(found + [REGENERATE])


def test_the_snapshot_holds_each_file_the_render_writes():
    assert sorted(load()) == ["private/manifests/karmada-provider.yaml", "private/manifests/private.yaml",
                              "private/releases/karmada-provider.yaml", "private/releases/private.yaml",
                              "private/resources.json", "public/manifests/aws-use1.yaml",
                              "public/releases/aws-use1.yaml", "public/resources.json"]


def test_a_change_is_reported_by_file_and_object():
    golden = {"s/resources.json": normalise("resources.json", '{"resources": [{"type": "t", "name": "a", "x": 1}]}'),
              "s/manifests/c.yaml": "kind: Service\nmetadata: {name: a, namespace: n}\nspec: {type: ClusterIP}\n",
              "s/releases/c.yaml": "- {name: r, version: '1'}\n"}
    current = {"s/resources.json": normalise("resources.json", '{"resources": [{"type": "t", "name": "a", "x": 2},'
                                                               ' {"type": "t", "name": "b"}]}'),
               "s/manifests/c.yaml": "kind: Service\nmetadata: {name: a, namespace: n}\nspec: {type: NodePort}\n",
               "s/manifests/d.yaml": "kind: Namespace\nmetadata: {name: d}\n"}
    assert problems(golden, current) == [
        "tests/golden/render/s/manifests/c.yaml: changed Service n/a",
        "tests/golden/render/s/manifests/d.yaml: a new file the golden snapshot lacks",
        "tests/golden/render/s/releases/c.yaml: the render no longer writes this file",
        "tests/golden/render/s/resources.json: changed t::a; new t::b",
    ]
    assert problems(golden, golden) == []


def test_normalising_sorts_keys_and_keeps_list_order():
    assert normalise("resources.json", '{"b": [2, 1], "a": {"d": 1, "c": 2}}') == (
        '{\n "a": {\n  "c": 2,\n  "d": 1\n },\n "b": [\n  2,\n  1\n ]\n}\n')
    assert normalise("m.yaml", "kind: A\napiVersion: v1\n---\nb: [2, 1]\n") == (
        "apiVersion: v1\nkind: A\n---\nb:\n- 2\n- 1\n")
