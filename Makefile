.PHONY: install services build start test lint typecheck bench bench-streams ci clean

install:
	npm ci --no-audit --no-fund

services:
	bash scripts/ensure-services.sh

build:
	npm run build

start: services
	npm start

test: services
	npm test

lint:
	npm run lint

typecheck:
	npm run typecheck

bench-streams: services
	npm run bench:streams

ci:
	bash .ci/run

clean:
	rm -rf dist coverage
