# The README's two commands: `make demo` and `make test`. Both set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2
LINT_PATHS := $(wildcard provider tests bench tools)

.PHONY: install demo test lint faults bench proto docs clean dist dist-test

install: $(STAMP) build/terraform.rc

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# A filesystem mirror + CLI config: `TF_CLI_CONFIG_FILE=build/terraform.rc terraform init` finds windows-sdn/sdn.
build/terraform.rc: $(STAMP)
	$(BIN)/terraform-provider-sdn install --mirror build/mirror --cli-config build/terraform.rc

demo: install
	$(BIN)/python tools/demo.py

# Unit + emulator tests once, the e2e suites once per Terraform version (the bundled 1.0.3, $$TERRAFORMS,
# $$TERRAFORM, terraform/tofu on PATH); the last line names the versions covered.
test: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/python tools/version_matrix.py -q -n $(PYTEST_WORKERS) --dist loadfile

# The fault matrix alone (also part of `make test`); ends with a "fault matrix: ..." summary line.
faults: install
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile tests/faults

# Benchmarks against HashiCorp's Go null provider (never part of `make test`). Bytecode is compiled first, as a
# wheel install would have it: the editable install otherwise recompiles every module in every provider spawn
# where PYTHONDONTWRITEBYTECODE is set.
bench: install
	$(BIN)/python -m compileall -q provider bench
	$(BIN)/python bench/run.py

# The wheel, the sdist and the offline bundle (wheelhouse for CPython 3.11-3.13 on glibc x86_64 + install.sh)
# in dist/; `make dist-test` installs the bundle into a new virtualenv with no package index (~1 minute).
dist: install
	$(BIN)/pip install --quiet 'build>=1.2'
	$(BIN)/python tools/dist.py

dist-test: dist
	$(BIN)/pytest -q tests/dist

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

# The reference sections of docs/ from the provider's schemas and examples/ (a unit test fails while they are stale).
docs: install
	$(BIN)/python tools/docs.py

clean:
	rm -rf build dist $(VENV) *.egg-info provider/*.egg-info

# Regenerate the emulator's gRPC control code from proto/ (checked in; a test verifies it is current).
proto: install
	$(BIN)/python -m sdn_emulator.control.protogen
