# Two commands do all set-up on a fresh machine: `make render` and `make test` create the virtualenv and install
# the pinned packages on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= build/render
STACK  ?= private
# `make preview` / `make up` use a local file-state backend (no Pulumi Cloud account) and a passphrase secrets
# provider unless you set PULUMI_BACKEND_URL / PULUMI_SECRETS_PROVIDER yourself (see README).
PULUMI_BACKEND_URL      ?= file://$(CURDIR)/.pulumi-state
PULUMI_SECRETS_PROVIDER ?= passphrase
export PULUMI_BACKEND_URL

.PHONY: render test preview up venv bench clean diagram urns

$(STAMP): requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	# A real Triton server (CPU build, Python backend) for the smoke-check tests. Its wheel pins numpy<2, so it lives
	# beside the venv's import path, not in it (tests/triton_server.py starts the binary).
	rm -rf $(VENV)/opt/pytriton
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --target $(VENV)/opt/pytriton \
		nvidia-pytriton==0.7.0
	touch $(STAMP)

venv: $(STAMP)

render: $(STAMP)
	rm -rf $(OUT)/private $(OUT)/public
	PYTHONPATH=. $(PY) -m stacks render private --out $(OUT)/private
	PYTHONPATH=. $(PY) -m stacks render public --out $(OUT)/public

# The README's architecture diagram, drawn from both stacks' render (tests check it is current).
diagram: $(STAMP)
	PYTHONPATH=. $(PY) -m stacks diagram --update-readme README.md

# The golden list of both stacks' resource URNs (tests/test_urns.py): rewrite it when a URN changes on purpose.
urns: $(STAMP)
	PYTHONPATH=. $(PY) -m stacks urns --write

test: $(STAMP)
	PYTHONPATH=. $(PY) -m pytest -q

bench: $(STAMP)
	PYTHONPATH=. $(PY) benchmarks/render_scale.py
	PYTHONPATH=. $(PY) benchmarks/torchserve_batching.py

preview: $(STAMP)
	mkdir -p .pulumi-state
	pulumi stack select $(STACK) --create --secrets-provider=$(PULUMI_SECRETS_PROVIDER)
	pulumi preview --stack $(STACK) --diff

up: $(STAMP)
	mkdir -p .pulumi-state
	pulumi stack select $(STACK) --create --secrets-provider=$(PULUMI_SECRETS_PROVIDER)
	pulumi up --stack $(STACK)

clean:
	rm -rf build .pytest_cache
