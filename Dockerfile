# Wayfinder on Node 22. Two stages: the builder (with a compiler for native modules such as argon2's
# fallback build and libxmljs) installs everything, compiles TypeScript to dist/ and drops the dev
# dependencies; the runtime image carries only node_modules, dist/ and the CLI shim.
# Build: docker build -t wayfinder .   Run: see docker-compose.yml (Postgres, Wayfinder, Mailpit).
FROM node:22-bookworm AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY scripts ./scripts
COPY config ./config
COPY migrations ./migrations
COPY src ./src
RUN npm run build && npm prune --omit=dev && npm cache clean --force

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin

# The embedded database (used only when DATABASE_URL is unset) lives in /app/data: writable by the
# unprivileged user that runs the service.
RUN mkdir -p /app/data && chown node:node /app/data
USER node

EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# One node process (no npm/npx wrapper), so SIGTERM reaches Wayfinder and it shuts down gracefully.
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
