# Two commands for a fresh clone: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench docs snapshots dist clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Findings are the point of the demo, so exit code 1 (findings) does not stop it; the fixed URL must pass.
demo: $(STAMP)
	@echo "== 1. Lint every policy JSON file and Terraform module under examples/ (offline, no credentials) =="
	@$(BIN)/iam-preflight check examples/ || true
	@echo
	@echo "== 2. The console demo's URL: user two signs presign-demo/cat.jpg for 30 minutes. Will it work? =="
	@cd examples/presign-demo && ../../$(BIN)/iam-preflight presign . --signer aws_iam_user.user_two --bucket aws_s3_bucket.demo --key cat.jpg --expires 30m || true
	@echo
	@echo "== 3. The same URL once user two may s3:GetObject (examples/presign-demo-fixed) =="
	@cd examples/presign-demo-fixed && ../../$(BIN)/iam-preflight presign . --signer aws_iam_user.user_two --bucket aws_s3_bucket.demo --key cat.jpg --expires 30m

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: $(STAMP)
	$(BIN)/mypy

# iam-preflight against its peers, issue 16's six rows (benchmarks/README.md): 3.5-4.5 minutes, and a few more the
# first time, when parliament, checkov and iam-simulate install themselves into ~/.cache/iam-preflight-bench.
# BENCH_ARGS=--quick for 2 rounds; BENCH_ARGS="--json bench.json" for the raw figures.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_peers.py $(BENCH_ARGS)

# The rule index a check selects rules by (linter/rule_index.py; a test fails while it is stale) and the rules' docs.
docs: $(STAMP)
	$(BIN)/python -c "from linter.registry import write_index; write_index()"
	$(BIN)/iam-preflight rules --markdown --output docs/rules.md

# After an intended change of findings or wording: rewrite every pinned output (rule fixtures' .expected files,
# report snapshots, command messages), then read the diff before committing it.
snapshots: $(STAMP)
	UPDATE_SNAPSHOTS=1 $(BIN)/python -m pytest -q tests/rules/test_fixtures.py tests/report tests/messages

# The sdist, then the wheel built from it (a file the sdist lacks fails here), into dist/; then twine's check of
# their metadata and README, which PyPI would refuse.
# --no-isolation builds with the setuptools of the dev environment instead of downloading one into a fresh venv.
dist: $(STAMP)
	rm -rf dist build *.egg-info  # setuptools would add the files a stale SOURCES.txt lists
	$(BIN)/python -m build --quiet --no-isolation --outdir dist .
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) build dist *.egg-info
