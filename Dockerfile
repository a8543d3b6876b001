# Flightdeck's container image: `docker build -t flightdeck .` (or buildah, kaniko…) in your CI.
# The runner holds only the production build (`npm run build` makes .next/standalone: the
# server, its traced node_modules, static files, migrations and the flightdeck.mjs entry point),
# runs as a non-root user and works with a read-only root filesystem: give it writable
# emptyDirs at /tmp and /app/.next/cache (deploy/kubernetes does).
#
#   docker run -e DATABASE_URL=… -e AUTH_SECRET=… flightdeck                  # web (default)
#   docker run … flightdeck worker | flightdeck migrate

# Dependencies, dev dependencies included: the build needs them. Cached while the lockfile is
# unchanged.
FROM node:20-bookworm-slim AS deps
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The production build.
FROM node:20-bookworm-slim AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /src/node_modules ./node_modules
COPY . .
RUN npm run build

# The runner: node, the standalone build and nothing else (no npm install, no dev
# dependencies, no sources).
FROM node:20-bookworm-slim AS runner
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0
WORKDIR /app
# Owned by root and read-only for the app's user: the process cannot change its own code.
COPY --from=build /src/.next/standalone ./
# Next.js's cache directory is the one place under /app the server writes; with a read-only
# root filesystem it is an emptyDir mount, otherwise this directory.
RUN mkdir -p .next/cache && chown 1000:1000 .next/cache
# The base image's `node` user, by number, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 3000
# The slim image has no curl: node's fetch asks the liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "flightdeck.mjs"]
CMD ["web"]
