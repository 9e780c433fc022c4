# journaltjek: `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast bench compare default-model clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	@mkdir -p out
	$(BIN)/journaltjek scan examples/journalnotater.csv -o out/demo_flags.jsonl; test $$? -le 1
	$(BIN)/journaltjek show out/demo_flags.jsonl --limit 4
	rm -f out/demo.db out/demo.db-wal out/demo.db-shm
	$(BIN)/journaltjek queue load out/demo_flags.jsonl --notes examples/journalnotater.csv --db out/demo.db; test $$? -le 1
	@echo "Demo-login til kvalitetsgennemgang: brugernavn demo"
	@$(BIN)/journaltjek users add demo --role reviewer --generate-password --db out/demo.db
	@echo "Åbn http://127.0.0.1:8000/ og log ind (stop med Ctrl-C)."
	$(BIN)/journaltjek serve --db out/demo.db --host 127.0.0.1 --port 8000 --insecure-cookies  # plain http on this machine only

test: setup
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

# make bench BENCH_SIZES=10000,100000,1000000 adds the 1M archive (default 10k and 100k)
bench: setup
	$(PY) -m evaluation.benchmarks.run $(if $(BENCH_SIZES),--sizes $(BENCH_SIZES))

# The backend comparison in README.md ("Models"): every backend trained on the gold train split,
# thresholds on dev, measured on dev, test and a noisy test copy (about 10 minutes on 2 CPU cores).
# The transformer row fine-tunes a tiny BERT built offline here: it checks the plumbing and the
# CPU cost, not what a real Danish encoder reaches.
DEFAULT_BACKEND := hybrid
TRANSFORMER_PARAMS := --param transformer.learning_rate=1e-3 --param transformer.epochs=10 \
	--param transformer.max_length=128 --param transformer.num_threads=1
compare: setup
	$(PY) tests/models/tiny_bert.py out/tiny-bert --texts annotations/gold/train.jsonl
	$(BIN)/journaltjek compare --transformer-base out/tiny-bert $(TRANSFORMER_PARAMS) \
		--with-synthetic sklearn=1000 --with-synthetic hybrid=1000 --readme README.md --default $(DEFAULT_BACKEND)

# Retrain the shipped default (models/default) exactly as its comparison row: same data, same seed.
default-model: setup
	$(BIN)/journaltjek train --backend $(DEFAULT_BACKEND) --seed 0 --name default --version 0.2.0 \
		--train annotations/gold/train.jsonl --dev annotations/gold/dev.jsonl --test annotations/gold/test.jsonl \
		-o out/default-model
	rm -rf models/default && cp -r out/default-model models/default

clean:
	rm -rf $(VENV) out .pytest_cache
