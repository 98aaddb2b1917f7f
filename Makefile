# Convenience targets; each one calls ./dev, which installs what is missing first.
.PHONY: help up test lint fmt bench screenshots bootstrap migrate psql clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

up: ## run database, migrations, demo seed, API and worker (Ctrl-C stops all)
	./dev up

test: ## run the whole test suite
	./dev test

lint: ## ruff check and format check
	./dev lint

fmt: ## format and autofix
	./dev fmt

bench: ## run the benchmarks in bench/
	./dev bench

screenshots: ## PNGs of every page at phone and desktop width into docs/screenshots/
	./dev screenshots

bootstrap: ## install Debian packages and the virtualenv, if missing
	./dev bootstrap

migrate: ## apply migrations and sql/ to the database
	./dev ratecard db migrate

psql: ## open psql on the database
	./dev ratecard db psql

clean: ## stop and delete the embedded database and the virtualenv
	-./dev ratecard db stop
	rm -rf .ratecard .venv
