# Two environments, both `pip check` clean:
#   .venv      the project (Dagster, GX, torch ...) with antlr4-python3-runtime 4.13, which Dagster's
#              selection parser needs;
#   .venv-dvc  dvc[s3] alone: its hydra/omegaconf pin antlr 4.9. `.venv/bin/dvc` links to it, so
#              with .venv first on PATH `dvc` and `dagster` each run in their own environment.
PYTHON ?= python3
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: bench-env install run test dev repro sample clean

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

# The bundled house, made once (and again when the simulator changes): `make run` and `make dev`
# both need it, *Materialize all* in the UI included. SAMPLE_DOCS=N for another size.
SAMPLE_DOCS ?=
# The benchmarks' peers (datatrove) beside the project, `pip check` clean: make bench-env.
bench-env: .venv-bench/.installed

.venv-bench/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q --upgrade pip
	.venv-bench/bin/pip install -q -c requirements.lock -e ".[bench]"
	.venv-bench/bin/pip check
	touch $@

sample: sample/sources.yaml

sample/sources.yaml: $(wildcard assets/raw/simulator/*.py) | install
	python -m assets.raw.simulator --out sample $(if $(SAMPLE_DOCS),--docs $(SAMPLE_DOCS))

# The main job on the bundled sample: every asset, every gate, into data/; one line per asset and
# gate, then the report, its verdict and where Dagster's full event log is.
run: sample
	python -m orchestration.stage all

test: install
	python -m pytest

# The UI, ready for *Materialize all*; DEV_ARGS="-h 127.0.0.1 -p 3001" to choose where it listens.
dev: sample
	dagster dev -w workspace.yaml $(DEV_ARGS)

repro: install
	dvc repro

clean:
	rm -rf data sample .dagster/storage .dagster/history .dagster/logs .dagster/schedules .dagster/stage-logs
