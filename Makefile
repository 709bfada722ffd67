# Two environments, both `pip check` clean:
#   .venv      the project (Dagster, GX, torch ...) with antlr4-python3-runtime 4.13, which Dagster's
#              selection parser needs;
#   .venv-dvc  dvc[s3] alone: its hydra/omegaconf pin antlr 4.9. `.venv/bin/dvc` links to it, so
#              with .venv first on PATH `dvc` and `dagster` each run in their own environment.
PYTHON ?= python3
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: install run test dev repro sample clean

install: .venv/.installed .venv-dvc/.installed

.venv/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -c requirements.lock -e ".[test]"
	.venv/bin/pip check
	touch $@

.venv-dvc/.installed: requirements-dvc.lock
	$(PYTHON) -m venv .venv-dvc
	.venv-dvc/bin/pip install -q --upgrade pip
	.venv-dvc/bin/pip install -q -c requirements-dvc.lock "dvc[s3]==3.67.1"
	.venv-dvc/bin/pip check
	ln -sf ../../.venv-dvc/bin/dvc .venv/bin/dvc
	touch $@

sample: install
	python -m assets.raw.simulator --out sample

# The main job on the bundled sample: every asset, every gate, into data/.
run: sample
	python -m orchestration.stage all

test: install
	python -m pytest

dev: install
	dagster dev -w workspace.yaml

repro: install
	dvc repro

clean:
	rm -rf data sample .dagster/storage .dagster/history .dagster/logs .dagster/schedules
