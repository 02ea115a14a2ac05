# Development and CI entry points for the backupops.jobs collection.
# `make help` lists the targets; `make test` is what CI runs (.ci/run).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
PYENV_ROOT ?= $(HOME)/.pyenv

# $(call find_python,VERSIONS): real path of the newest interpreter of the first
# version that actually runs: pyenv's versions/ first, then pythonX.Y on PATH
# (a pyenv shim for an unselected version is on PATH but fails, so each is run).
find_python = $(shell for v in $(1); do \
  for p in $$(printf '%s\n' $(PYENV_ROOT)/versions/$$v.*/bin/python3 | sort -rV) python$$v; do \
    r=$$("$$p" -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -n "$$r" ] && { echo "$$r"; exit 0; }; \
  done; done; true)

# Each is looked up once, on first use (so `make help` runs no interpreter).
PYTHON ?= $(eval PYTHON := $(call find_python,3.13 3.12))$(PYTHON)
PYTHON_COMPAT ?= $(eval PYTHON_COMPAT := $(call find_python,3.11))$(PYTHON_COMPAT)
# nakivo_prometheus_exporter pins pydantic 2.6, whose pydantic-core has no wheel for Python 3.13.
PYTHON_FIDELITY ?= $(eval PYTHON_FIDELITY := $(call find_python,3.12 3.11))$(PYTHON_FIDELITY)

VENV := $(ROOT)/.venv
VENV_COMPAT := $(ROOT)/.venv-compat
VENV_FIDELITY := $(ROOT)/.venv-fidelity
LOGS := $(ROOT)/build/logs
DIST := $(ROOT)/build/dist
INSTALLED := $(ROOT)/build/installed
# The collection where ansible, ansible-test and pytest want it: under
# ansible_collections/NS/NAME. A real folder, not a symlink (ansible-test and
# pytest resolve their working directory and paths), mirrored from the work
# tree by tests/tools/stage_collection.py at the start of every target using it.
COLLECTIONS := $(ROOT)/build/collections
COLLECTION := $(COLLECTIONS)/ansible_collections/backupops/jobs

# Python version (X.Y) of a venv, and the folder of the interpreter it was made
# from; read when a recipe runs, after the venv exists.
py_ver = $(shell $(1)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV_HOME = $(shell sed -n 's/^home *= *//p' $(VENV)/pyvenv.cfg)
# ansible-test looks pythonX.Y up on PATH: make it the venv's, then the real one.
TEST_PATH = $(VENV)/bin:$(VENV_HOME):$(PATH)

MODULES = $(sort $(basename $(notdir $(wildcard $(ROOT)/plugins/modules/*.py))))
INVENTORY_PLUGINS = $(sort $(basename $(notdir $(wildcard $(ROOT)/plugins/inventory/*.py))))
VERSION = $(shell sed -n 's/^version: *//p' $(ROOT)/galaxy.yml)
TARBALL = $(DIST)/backupops-jobs-$(VERSION).tar.gz

INTEGRATION_WORKERS ?= 2
TRY_SCENARIO ?= demo
TRY_PORT ?= 0
PYTEST_FLAGS ?= -q -p no:cacheprovider
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0

# Drops the "Location ... is ignored" warnings this machine's pip config makes
# pip print for every package ansible-test installs; the full output is in build/logs.
PIP_NOISE := sed -u -e "/^WARNING: Location '.*' is ignored: it is neither a file nor a directory/d"

# $(call pytest_run,VENV,ARGS): pytest from the collection path, the way
# `ansible-test units` runs it: test modules and conftest files are named
# ansible_collections.backupops.jobs.tests..., so relative imports between test
# folders work. Exit 5 (no tests collected) is reported and tolerated.
define pytest_run
cd $(COLLECTION) && export ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) \
  ANSIBLE_CONTROLLER_MIN_PYTHON_VERSION=$(call py_ver,$(1)) BACKUPOPS_VENV_BIN=$(1)/bin PATH="$(1)/bin:$(PATH)"; \
rc=0; if [ ! -e $(lastword $(2)) ]; then echo "pytest: no $(lastword $(2)) yet"; rc=5; else \
$(1)/bin/python -m pytest $(PYTEST_FLAGS) -p ansible_test._util.target.pytest.plugins.ansible_pytest_collections $(2) || rc=$$?; fi; \
if [ $$rc -eq 5 ]; then echo "pytest: no tests collected in $(lastword $(2)) (exit 5 tolerated)"; \
elif [ $$rc -ne 0 ]; then exit $$rc; fi
endef

# $(call pip_install,PYTHON,ARGS,LOG): pip with its chatter in LOG, shown on failure.
define pip_install
mkdir -p $(LOGS); \
if ! $(1) -m pip install --disable-pip-version-check $(2) >> $(3) 2>&1; then \
  echo "pip install failed; last lines of $(3):"; tail -n 30 $(3); exit 1; fi
endef

# $(call ansible_doc_all,BIN): ansible-doc of each module and inventory plugin must render, without warnings.
define ansible_doc_all
for p in $(addprefix module:,$(MODULES)) $(addprefix inventory:,$(INVENTORY_PLUGINS)); do \
  t=$${p%%:*}; m=$${p#*:}; \
  if ! out=$$($(1)/ansible-doc -t $$t backupops.jobs.$$m 2>&1 >/dev/null) || [ -n "$$out" ]; then \
    echo "ansible-doc -t $$t backupops.jobs.$$m failed:"; echo "$$out"; exit 1; fi; \
  echo "ansible-doc -t $$t backupops.jobs.$$m: ok"; done; \
[ -n "$(MODULES)" ] || echo "ansible-doc: no modules in plugins/modules yet"
endef

.PHONY: help venv venv-compat collection-path get-pip sanity units integration \
        emulator-tests lint docs changelog-lint build compat compat-units \
        compat-integration test demo bench soak clean venv-fidelity fidelity try

help: ## List the targets
	@echo "Targets (make TARGET):"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20 | sed 's/^/  /'
	@echo "Variables: PYTHON (newest 3.13/3.12), PYTHON_COMPAT (3.11), INTEGRATION_WORKERS=$(INTEGRATION_WORKERS)"

# --- environments ----------------------------------------------------------

$(VENV)/.stamp: $(ROOT)/requirements.txt $(ROOT)/tests/requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "No working Python 3.13 or 3.12 found (set PYTHON=...)"; exit 1; }
	@echo "venv: $(VENV) from $(PYTHON)"
	@rm -rf $(VENV) && mkdir -p $(LOGS) && : > $(LOGS)/pip-venv.log
	@$(PYTHON) -m venv $(VENV)
	@$(call pip_install,$(VENV)/bin/python,-U pip,$(LOGS)/pip-venv.log)
	@$(call pip_install,$(VENV)/bin/python,-r $(ROOT)/tests/requirements-dev.txt,$(LOGS)/pip-venv.log)
	@$(VENV)/bin/ansible --version | sed -n 1p
	@touch $@

$(VENV_COMPAT)/.stamp: $(ROOT)/requirements.txt $(ROOT)/tests/requirements-compat.txt
	@test -n "$(PYTHON_COMPAT)" || { echo "No working Python 3.11 found (set PYTHON_COMPAT=...)"; exit 1; }
	@echo "venv-compat: $(VENV_COMPAT) from $(PYTHON_COMPAT)"
	@rm -rf $(VENV_COMPAT) && mkdir -p $(LOGS) && : > $(LOGS)/pip-venv-compat.log
	@$(PYTHON_COMPAT) -m venv $(VENV_COMPAT)
	@$(call pip_install,$(VENV_COMPAT)/bin/python,-U pip,$(LOGS)/pip-venv-compat.log)
	@$(call pip_install,$(VENV_COMPAT)/bin/python,-r $(ROOT)/tests/requirements-compat.txt,$(LOGS)/pip-venv-compat.log)
	@$(VENV_COMPAT)/bin/ansible --version | sed -n 1p
	@touch $@

# Third-party clients in a venv of their own: pinkopy installs a top-level "tests" package.
$(VENV_FIDELITY)/.stamp: $(ROOT)/tests/requirements-fidelity.txt
	@test -n "$(PYTHON_FIDELITY)" || { echo "No working Python 3.12 or 3.11 found (set PYTHON_FIDELITY=...)"; exit 1; }
	@echo "venv-fidelity: $(VENV_FIDELITY) from $(PYTHON_FIDELITY)"
	@rm -rf $(VENV_FIDELITY) && mkdir -p $(LOGS) && : > $(LOGS)/pip-venv-fidelity.log
	@$(PYTHON_FIDELITY) -m venv $(VENV_FIDELITY)
	@$(call pip_install,$(VENV_FIDELITY)/bin/python,-r $(ROOT)/tests/requirements-fidelity.txt,$(LOGS)/pip-venv-fidelity.log)
	@touch $@

venv: $(VENV)/.stamp collection-path get-pip java ## .venv (newest ansible-core + dev tools), collection path, offline get-pip

venv-compat: $(VENV_COMPAT)/.stamp collection-path java ## .venv-compat (Python 3.11, ansible-core 2.16)

# ansible-rulebook (tests/integration/test_event_source.py) runs its rule engine on a Java 17 runtime.
.PHONY: java
java: ## A Java runtime for ansible-rulebook: apt-get install openjdk-17-jre-headless where java is missing
	@command -v java >/dev/null 2>&1 || { mkdir -p $(LOGS); echo "java: installing openjdk-17-jre-headless (log: $(LOGS)/apt-java.log)"; \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless; } \
	    > $(LOGS)/apt-java.log 2>&1 || { echo "java: apt-get failed, so the ansible-rulebook tests will be skipped; last lines of $(LOGS)/apt-java.log:"; \
	         tail -n 20 $(LOGS)/apt-java.log; }; }

venv-fidelity: $(VENV_FIDELITY)/.stamp ## .venv-fidelity (cvpysdk, pinkopy, nakivo_prometheus_exporter)

collection-path: ## Mirror the work tree into build/collections/ansible_collections/backupops/jobs
	@mkdir -p $(LOGS)
	@$(firstword $(wildcard $(VENV)/bin/python) $(PYTHON)) $(ROOT)/tests/tools/stage_collection.py $(ROOT) $(COLLECTION)

# ansible-test downloads get-pip once from a host out of reach here: put a stand-in in its cache.
get-pip: $(VENV)/.stamp
	@$(VENV)/bin/python $(ROOT)/tests/tools/offline_get_pip.py

# --- checks ----------------------------------------------------------------

sanity: venv ## ansible-test sanity --venv (all tests, no ignore files)
	@if ls $(ROOT)/tests/sanity/ignore-*.txt >/dev/null 2>&1; then \
	  echo "tests/sanity/ignore-*.txt must not exist: fix the code instead"; exit 1; fi
	cd $(COLLECTION) && PATH="$(TEST_PATH)" ansible-test sanity --venv --python $(call py_ver,$(VENV)) --color no \
	  2>&1 | tee $(LOGS)/sanity.log | $(PIP_NOISE)

units: venv ## ansible-test units --venv (tests/unit)
	cd $(COLLECTION) && PATH="$(TEST_PATH)" ansible-test units --venv --python $(call py_ver,$(VENV)) --color no \
	  2>&1 | tee $(LOGS)/units.log | $(PIP_NOISE)

emulator-tests: venv ## pytest tests/emulator (the emulator's own tests)
	@$(call pytest_run,$(VENV),tests/emulator)

integration: venv emulator-tests ## pytest tests/integration: real ansible runs against the emulator
	@$(call pytest_run,$(VENV),-n $(INTEGRATION_WORKERS) --durations=5 tests/integration)

# The clients' venv runs the tests; the emulator runs as a process of .venv from the collection path.
fidelity: venv venv-fidelity ## pytest tests/fidelity: cvpysdk, pinkopy and the NAKIVO exporter, unmodified, against the emulator
	@cd $(COLLECTION)/tests/fidelity && BACKUPOPS_EMULATOR_PYTHON=$(VENV)/bin/python BACKUPOPS_EMULATOR_ROOT=$(COLLECTION) \
	  $(VENV_FIDELITY)/bin/python -m pytest $(PYTEST_FLAGS) --durations=5 .

lint: venv ## ansible-lint --profile production (.ansible-lint)
	cd $(ROOT) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) PATH="$(VENV)/bin:$(PATH)" \
	  ansible-lint --profile production --offline --nocolor

docs: venv ## antsibull-docs lint-collection-docs --plugin-docs, ansible-doc of every module and inventory plugin
	cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) PATH="$(VENV)/bin:$(PATH)" \
	  antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck .
	@cd $(COLLECTION) && export ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS); $(call ansible_doc_all,$(VENV)/bin)

changelog-lint: venv ## antsibull-changelog lint
	cd $(ROOT) && $(VENV)/bin/antsibull-changelog lint

build: venv ## ansible-galaxy collection build + install into build/installed, ansible-doc, tarball check
	@rm -rf $(DIST) $(INSTALLED)
	cd $(ROOT) && $(VENV)/bin/ansible-galaxy collection build --force --output-path $(DIST) .
	ANSIBLE_COLLECTIONS_PATH=$(INSTALLED) $(VENV)/bin/ansible-galaxy collection install --force --offline -p $(INSTALLED) $(TARBALL)
	@cd $(INSTALLED) && export ANSIBLE_COLLECTIONS_PATH=$(INSTALLED) ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false; \
	  $(call ansible_doc_all,$(VENV)/bin)
	@bad=$$(tar -tzf $(TARBALL) | grep -E '(^|/)(tests/output|\.venv[^/]*|build|\.ansible|\.git[^/]*|\.ci|__pycache__|\.pytest_cache|\.hypothesis)(/|$$)|\.pyc$$|\.tar\.gz$$|\.plugin-cache\.yaml$$' || true); \
	if [ -n "$$bad" ]; then echo "tarball holds files it must not:"; echo "$$bad" | head -n 20; exit 1; fi
	@echo "tarball: $(TARBALL) ($$(tar -tzf $(TARBALL) | wc -l) entries, $$(du -k $(TARBALL) | cut -f1) KiB), clean"
	@$(VENV)/bin/ansible-builder introspect --sanitize $(INSTALLED) > $(LOGS)/builder-introspect.txt 2>&1 || \
	  { cat $(LOGS)/builder-introspect.txt; exit 1; }
	@echo "ansible-builder introspect: ok"

compat-units: venv-compat
	@$(call pytest_run,$(VENV_COMPAT),tests/unit)

compat-integration: venv-compat
	@$(call pytest_run,$(VENV_COMPAT),-n $(INTEGRATION_WORKERS) --durations=5 tests/integration)

compat: compat-units compat-integration ## unit + integration tests on ansible-core 2.16 / Python 3.11

# --- everything ------------------------------------------------------------

TEST_PARTS := venv venv-compat sanity units integration fidelity lint docs build compat

test: ## All of the above, fast failures first; one summary line per part
	@mkdir -p $(LOGS); : > $(LOGS)/summary.txt; failed=0; \
	for part in $(TEST_PARTS); do \
	  echo "=== $$part"; start=$$SECONDS; \
	  if $(MAKE) -k $$part; then status=ok; else status=FAILED; failed=1; fi; \
	  printf '%-12s %-6s %4ss\n' "$$part" "$$status" "$$((SECONDS - start))" >> $(LOGS)/summary.txt; \
	  case "$$part:$$status" in venv*:FAILED) break;; esac; \
	done; \
	echo "=== summary"; cat $(LOGS)/summary.txt; exit $$failed

# --- scripts written by others ---------------------------------------------

# $(call run_script,PATH,NAME): run PATH with .venv's Python (options from ARGS=...), or say it is not written yet.
define run_script
@if [ ! -f $(ROOT)/$(1) ]; then echo "make $(2): $(1) does not exist yet; nothing to run"; exit 1; fi
@cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) BACKUPOPS_VENV_BIN=$(VENV)/bin PATH="$(VENV)/bin:$(PATH)" \
  PYTHONPATH=$(COLLECTION) $(VENV)/bin/python $(1) $(ARGS)
endef

# The emulator's own first lines (URL, ca=) become comments, so the whole block pastes into a shell.
try: venv ## The emulator (TLS, demo scenario) and export lines for NAKIVO_*/COMMVAULT_* to paste; Ctrl-C stops it
	@mkdir -p $(ROOT)/build/try
	@echo "# In another shell, from this checkout: its collection and ansible, then the emulator's connection."
	@echo "export ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) PATH=$(VENV)/bin:\$$PATH"
	@cd $(COLLECTION) && $(VENV)/bin/python -m tests.emulator --scenario $(if $(wildcard $(TRY_SCENARIO)),$(abspath $(TRY_SCENARIO)),$(TRY_SCENARIO)) --tls --port $(TRY_PORT) \
	  --cert-dir $(ROOT)/build/try --shell-env $(ROOT)/build/try | (trap '' INT; sed -u -e '1s/^/# emulator at /' -e '2s/^ca=/# its CA: /')

demo: venv ## tests/demo/run.py: the collection against the emulator
	$(call run_script,tests/demo/run.py,demo)

bench: venv ## tests/bench/run.py
	$(call run_script,tests/bench/run.py,bench)

soak: venv ## tests/soak/run.py
	$(call run_script,tests/soak/run.py,soak)

clean: ## Remove venvs, build/, tests/output and caches
	rm -rf $(VENV) $(VENV_COMPAT) $(VENV_FIDELITY) $(ROOT)/build $(ROOT)/tests/output $(ROOT)/.ansible $(ROOT)/changelogs/.plugin-cache.yaml
	find $(ROOT) -path $(ROOT)/.git -prune -o \( -name __pycache__ -o -name .pytest_cache -o -name .hypothesis \) -prune -print | xargs rm -rf
