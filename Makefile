# Two commands for a fresh clone: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COMPILED_TREE := build/compiled

.PHONY: demo test lint typecheck bench docs snapshots dist compiled test-compiled dist-compiled clean

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
# The compiled build when it can be built (`make compiled`: a C compiler), else the pure one alone.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py
	mkdir -p build
	if $(MAKE) --no-print-directory compiled > build/compiled.log 2>&1; then \
		$(BIN)/python benchmarks/bench_peers.py --compiled $(COMPILED_TREE) $(BENCH_ARGS); \
	else \
		echo "the compiled build failed (build/compiled.log): measuring the pure-Python build alone" >&2; \
		$(BIN)/python benchmarks/bench_peers.py $(BENCH_ARGS); \
	fi

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

# The compiled build (setup.py): a copy of the tree in $(COMPILED_TREE) whose hot modules mypyc compiled in place, for
# `make test-compiled` (the whole suite on them) and `make bench` (which measures both builds when this one exists).
# Needs a C compiler; everything else here is pure Python.
compiled: $(STAMP)
	rm -rf $(COMPILED_TREE)
	mkdir -p $(COMPILED_TREE)
	tar --exclude=./$(VENV) --exclude=./build --exclude=./dist --exclude=./.git --exclude='*.egg-info' -cf - . \
		| tar -xf - -C $(COMPILED_TREE)
	# A work tree of its own, its files tracked, as the clone's are: a check names its inputs from the top of theirs.
	cd $(COMPILED_TREE) && (git init --quiet . && git add --all) 2>/dev/null || true
	cd $(COMPILED_TREE) && IAM_PREFLIGHT_COMPILE=1 $(abspath $(BIN))/python setup.py --quiet build_ext --inplace

test-compiled: compiled
	cd $(COMPILED_TREE) && IAM_PREFLIGHT_EXPECT_COMPILED=1 PYTHONPATH=$(abspath $(COMPILED_TREE)) \
		$(abspath $(BIN))/python -m pytest

# A wheel for this platform with the compiled modules, beside the pure one `make dist` builds (release wheels).
dist-compiled: $(STAMP)
	IAM_PREFLIGHT_COMPILE=1 $(BIN)/python -m build --quiet --wheel --no-isolation --outdir dist .

clean:
	rm -rf $(VENV) build dist *.egg-info
