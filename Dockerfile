# syntax=docker/dockerfile:1
# One image for every role, chosen by its command: web, worker, serve, demo, detect, inventory.
#   docker build -t warden .            docker run --network host warden demo --headless --approve-all
# The Node.js line is a build argument; 22 is a maintained LTS line (Node.js 20 ended in April 2026).
ARG NODE_MAJOR=22

FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# The compiler and its types are dev dependencies: this stage has them, the image does not.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npx tsc -p tsconfig.build.json

FROM node:${NODE_MAJOR}-bookworm-slim
ARG VERSION=0.0.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="Warden" \
      org.opencontainers.image.description="Protects Microsoft Entra tenants and their Azure subscriptions from takeover" \
      org.opencontainers.image.source="https://github.com/warden-soc/warden" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prepare.mjs ./scripts/prepare.mjs
# Production dependencies only, and none of their install scripts run (as root, at build time). The
# TypeScript compiler (and its native build) comes in as a dependency's peer (valibot's, for its types)
# and is never run: removed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && rm -rf node_modules/typescript node_modules/@typescript
COPY --from=build /build/dist/src ./dist/src
COPY bin ./bin
COPY hunting ./hunting
COPY console ./console
COPY manifest/manifest.template.json ./manifest/
# The demo's simulated Microsoft runs over TLS with this throwaway CA, trusted only by `warden demo`
# (which restarts itself with it); no other command trusts it (src/simulator-trust.ts refuses).
COPY sim-tls ./sim-tls
USER node
EXPOSE 3978 9464
ENTRYPOINT ["node", "bin/warden.js"]
CMD ["web"]
