# Two commands do all set-up on a fresh machine: `make render` and `make test` create the virtualenv and install
# what each needs on first use. Three requirement sets, one venv, one stamp each (see README, Set-up):
#   requirements.txt         the Pulumi program (what `pulumi install` installs too)     make render, preview, up
#   requirements-models.txt  model tooling: torch, TorchServe, the Triton client         make package
#   requirements-test.txt    pytest, lupa, zizmor, shellcheck, mutmut (+ requirements-actionlint) make test
# Every transitive package is pinned in constraints.txt (`make constraints` regenerates it from PyPI).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
OUT    ?= build/render
STACK  ?= private
MODEL  ?= fraud-scorer
RUNTIME ?= torchserve
# PyPI's torch for Linux x86_64 is the CUDA build (~4 GB with its nvidia-* wheels); the tooling needs only the CPU
# build, which PyTorch's own index serves as 2.13.0+cpu (matched by the `torch==2.13.0` pin). It is tried first,
# for torch alone; everything else, torch's dependencies included, comes from PyPI. `make test TORCH_INDEX=` skips
# it (then PyPI's torch: CPU-only on macOS and Linux aarch64, CUDA on Linux x86_64).
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
PROGRAM_STAMP := $(VENV)/.installed-program
MODELS_STAMP  := $(VENV)/.installed-models
TEST_STAMP    := $(VENV)/.installed-test
# checkov pins packaging and networkx below what torch's set needs: it gets a virtualenv of its own.
CHECKOV_VENV  := $(VENV)/opt/checkov
# `make preview` / `make up` use a local file-state backend (no Pulumi Cloud account) and a passphrase secrets
# provider unless you set PULUMI_BACKEND_URL / PULUMI_SECRETS_PROVIDER yourself (see README).
PULUMI_BACKEND_URL      ?= file://$(CURDIR)/.pulumi-state
PULUMI_SECRETS_PROVIDER ?= passphrase
export PULUMI_BACKEND_URL

.PHONY: install render test preview up venv package checkov constraints bench clean diagram urns golden messages mutation mutation-sample

$(PY):
	$(PYTHON) -m venv $(VENV)

# requirements.txt applies constraints.txt itself (its `-c` line), so `pulumi install` gets the same pins.
$(PROGRAM_STAMP): requirements.txt constraints.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(MODELS_STAMP): requirements-models.txt constraints.txt $(PROGRAM_STAMP)
	@if [ -n "$(TORCH_INDEX)" ]; then \
		echo "torch: the CPU build from $(TORCH_INDEX)"; \
		$(PIP) install --quiet --no-deps --retries 1 --timeout 30 --index-url "$(TORCH_INDEX)" -c constraints.txt torch \
			> $(VENV)/torch-install.log 2>&1 \
		|| echo "torch: $(TORCH_INDEX) did not serve it (see $(VENV)/torch-install.log); PyPI's build instead" \
		        "(CUDA on Linux x86_64)"; \
	fi
	$(PIP) install --quiet -r requirements-models.txt
	touch $@

# A real Triton server (CPU build, Python backend) for the smoke-check tests: its wheel pins numpy<2, so it lives
# beside the venv's import path, not in it (tests/triton_server.py starts the binary from .venv/opt/pytriton).
$(TEST_STAMP): requirements-test.txt requirements-actionlint.txt requirements-triton-server.txt $(PROGRAM_STAMP) \
		$(MODELS_STAMP)
	$(PIP) install --quiet -r requirements.txt -r requirements-models.txt -r requirements-test.txt
	@$(PIP) install --quiet -r requirements-actionlint.txt > $(VENV)/actionlint-install.log 2>&1 \
		|| echo "actionlint: not installed (see" \
		        "$(VENV)/actionlint-install.log); the workflow lint test skips"
	rm -rf $(VENV)/opt/pytriton
	$(PIP) install --quiet --no-deps --target $(VENV)/opt/pytriton -r requirements-triton-server.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt constraints-checkov.txt | $(PY)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip --disable-pip-version-check install --quiet -r requirements-checkov.txt
	touch $@

venv: $(TEST_STAMP)

# The program's dependencies alone, pinned: what `pulumi install` installs (CI's preview and up jobs use this).
install: $(PROGRAM_STAMP)

render: $(PROGRAM_STAMP)
	rm -rf $(OUT)/private $(OUT)/public
	PYTHONPATH=. $(PY) -m stacks render private --out $(OUT)/private
	PYTHONPATH=. $(PY) -m stacks render public --out $(OUT)/public

# The README's architecture diagram, drawn from both stacks' render (tests check it is current).
diagram: $(PROGRAM_STAMP)
	PYTHONPATH=. $(PY) -m stacks diagram --update-readme README.md

# The golden list of both stacks' resource URNs (tests/test_urns.py): rewrite it when a URN changes on purpose.
urns: $(PROGRAM_STAMP)
	PYTHONPATH=. $(PY) -m stacks urns --write

# The catalogue of exact messages the tests provoke (tests/messages.py: errors, reports, help texts): rewrite it when
# one changes on purpose, and review the diff of tests/golden/messages.json.
MESSAGE_TESTS ?= tests/
messages: $(TEST_STAMP)
	PLATFORM_WRITE_MESSAGES=1 PYTHONPATH=. $(PY) -m pytest -q -p no:cacheprovider $(MESSAGE_TESTS)

# The golden snapshot of both example renders (tests/test_golden_render.py): rewrite it when a render changes on
# purpose, and review the diff of tests/golden/render.
golden: $(PROGRAM_STAMP)
	PYTHONPATH=. $(PY) -m stacks.golden --write

# Mutation testing with mutmut (requirements-test.txt; configured in pyproject.toml, [tool.mutmut]); not part of
# `make test`: over all of models/, components/ and stacks/ it runs for hours. MUTANTS narrows it to mutant names
# (globs such as 'stacks.config_reader.*'); results in mutants/ (`.venv/bin/mutmut results`, `mutmut show NAME`).
# From mutants/, ../shared is not the CRD and chart folder, so both are passed by path.
# Mutants of the code that stops local servers (models/torchserve_local.py signals a process group) can signal
# every process of the user: the runs go in their own PID namespace (MUTATION_SANDBOX= to run without one).
MUTANTS ?=
MUTATION_JOBS ?= 2
MUTATION_SANDBOX ?= unshare --user --map-root-user --pid --fork --mount-proc
mutation: $(TEST_STAMP)
	PLATFORM_CRDS_DIR=$${PLATFORM_CRDS_DIR:-$(CURDIR)/../shared/crds} \
	PLATFORM_CHARTS_DIR=$${PLATFORM_CHARTS_DIR:-$(CURDIR)/../shared/charts} \
		$(MUTATION_SANDBOX) $(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(VENV)/bin/mutmut export-cicd-stats && cat mutants/mutmut-cicd-stats.json

# The packages' kill rate from a seeded uniform sample of every mutant (.ci/mutation_sample.py; over an hour on two
# cores at the default 300): the figure the README reports, with its 95 % interval.
MUTATION_SAMPLE ?= 300
MUTATION_SEED ?= 1
mutation-sample: $(TEST_STAMP)
	PLATFORM_CRDS_DIR=$${PLATFORM_CRDS_DIR:-$(CURDIR)/../shared/crds} \
	PLATFORM_CHARTS_DIR=$${PLATFORM_CHARTS_DIR:-$(CURDIR)/../shared/charts} \
		$(MUTATION_SANDBOX) $(PY) .ci/mutation_sample.py --size $(MUTATION_SAMPLE) --seed $(MUTATION_SEED) \
		--jobs $(MUTATION_JOBS)

test: $(TEST_STAMP)
	PYTHONPATH=. $(PY) -m pytest -q

package: $(MODELS_STAMP)
	PYTHONPATH=. $(PY) -m models package $(MODEL) --runtime $(RUNTIME) --out build/models/$(MODEL)-$(RUNTIME)

# The project's skipped checks, each with its reason, are in .checkov.yaml.
checkov: render $(CHECKOV_VENV)/.installed
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --directory $(OUT)

# Resolve every requirement set afresh from PyPI alone (this machine's pip configuration ignored) and rewrite the
# constraints files; `make test` checks them the same way (tests/test_pins.py).
constraints: | $(PY)
	$(PY) .ci/pins.py write

# Benchmarks and `python -m models tune` load real servers with wrk (Debian: apt-get install -y wrk); TorchServe needs
# Java 17.
bench: $(TEST_STAMP)
	PYTHONPATH=. $(PY) benchmarks/render_scale.py
	PYTHONPATH=. $(PY) benchmarks/torchserve_batching.py

preview: $(PROGRAM_STAMP)
	mkdir -p .pulumi-state
	pulumi stack select $(STACK) --create --secrets-provider=$(PULUMI_SECRETS_PROVIDER)
	pulumi preview --stack $(STACK) --diff

up: $(PROGRAM_STAMP)
	mkdir -p .pulumi-state
	pulumi stack select $(STACK) --create --secrets-provider=$(PULUMI_SECRETS_PROVIDER)
	pulumi up --stack $(STACK)

clean:
	rm -rf build .pytest_cache
