# clinsum: `make demo` opens the workbench on the demo workspace; `make test` runs every test.
# Both install what they need into ./.venv first and are safe to run again.

VENV      ?= .venv
PY        := $(VENV)/bin/python
WORKSPACE ?= workspace
PORT      ?= 8501
STAMP     := $(VENV)/.installed-$(shell cat pyproject.toml scripts/install.sh scripts/constraints.txt | sha1sum | cut -c1-12)

.PHONY: install demo test lint bench system-deps clean-venv constraints

$(STAMP): pyproject.toml scripts/install.sh scripts/constraints.txt
	bash scripts/install.sh $(VENV)
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/system-deps.sh

demo: install
	CLINSUM_WORKSPACE=$(WORKSPACE) $(VENV)/bin/clinsum demo
	CLINSUM_WORKSPACE=$(WORKSPACE) $(VENV)/bin/streamlit run Home.py --server.port $(PORT)

test: install system-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -p no:cacheprovider

bench: install
	$(PY) bench/run.py

lint: install
	$(VENV)/bin/ruff check .

# pin what is installed now (after an upgrade that `make test` passed) for every later install
constraints: install
	{ sed -n '1,3p' scripts/constraints.txt; $(PY) -m pip freeze --exclude-editable \
	  | grep -v -i -E '^(torch|nvidia-|triton|clinsum)=='; } > scripts/constraints.txt.new
	mv scripts/constraints.txt.new scripts/constraints.txt

clean-venv:
	rm -rf $(VENV)
