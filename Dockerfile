# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production dependencies only, as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY app app
COPY cli cli
COPY config config
COPY gateway gateway
COPY integrations integrations
COPY money money
COPY processors processors
COPY schemas schemas
COPY storage storage
COPY streams streams
COPY bench bench
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; pulsar-client (optional) installs here where its native library can be downloaded.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
# Read at run time from the source layout: Avro schemas, migrations, protos.
COPY schemas/avro schemas/avro
COPY storage/migrations storage/migrations
COPY gateway/proto gateway/proto
COPY bin bin
USER node
EXPOSE 50051 8080 8090
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["start"]
