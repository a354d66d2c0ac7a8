.PHONY: install services build start test lint typecheck bench bench-streams ci clean up up-kafka up-pulsar down logs compose-config

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

# The docker-compose stack (needs a Docker engine; none runs on the development machine).
up:
	docker compose up --build -d

up-kafka:
	docker compose -f docker-compose.yml -f docker-compose.kafka.yml up --build -d

up-pulsar:
	docker compose -f docker-compose.yml -f docker-compose.pulsar.yml up --build -d

down:
	docker compose down

logs:
	docker compose logs -f --tail=100

compose-config:
	docker-compose -f docker-compose.yml config -q
	docker-compose -f docker-compose.yml -f docker-compose.kafka.yml config -q
	docker-compose -f docker-compose.yml -f docker-compose.pulsar.yml config -q
