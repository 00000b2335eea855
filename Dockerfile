# The connector as an Airbyte connector image (source and destination): see docs/airbyte.md.
#   docker build -t lark-im/airbyte-lark-im:0.1.0 .
#   docker run --rm lark-im/airbyte-lark-im:0.1.0 spec

# Build stage: dev dependencies and the TypeScript compiler stay here.
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# What ships is the compiled JavaScript (`lark-im airbyte` loads the bundle in dist/cli/): no source maps,
# declarations or build info, and neither the emulator's modules (only `lark-im demo` / `lark-im emulator` load
# it, from the bundle) nor the library entry dist/index.js.
RUN npm run build \
 && find dist \( -name '*.map' -o -name '*.d.ts' \) -delete \
 && rm -rf dist/.tsbuildinfo dist/emulator dist/index.js

# Production dependencies only, without lifecycle scripts (nothing to build at this point), and without the
# TypeScript sources, declarations and source maps some packages ship (Node never loads them).
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force \
 && find node_modules -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' \) -delete

FROM node:20-slim
ARG VERSION=0.1.0
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# The node image's unprivileged user: the connector needs no root and writes nothing to disk.
USER node
LABEL io.airbyte.name=lark-im/airbyte-lark-im
LABEL io.airbyte.version=${VERSION}
ENV AIRBYTE_ENTRYPOINT="node /app/dist/cli/main.js airbyte"
ENTRYPOINT ["node", "/app/dist/cli/main.js", "airbyte"]
