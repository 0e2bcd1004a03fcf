# The README's two commands are `make run` and `make test`.
.PHONY: setup run test lint typecheck unit integration bench clean

VENV := .venv/bin

setup:
	@scripts/setup.sh

run: setup
	$(VENV)/newsroom run $(RUN_ARGS)

test: setup lint typecheck
	$(VENV)/pytest -q $(PYTEST_ARGS)

lint: setup
	$(VENV)/ruff check newsroom workers tests bench

typecheck: setup
	$(VENV)/mypy --strict newsroom workers

unit: setup
	$(VENV)/pytest -q tests/unit

integration: setup
	$(VENV)/pytest -q tests/integration

bench: setup
	$(VENV)/python bench/commands.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
