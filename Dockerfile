# Wayfinder: runs the TypeScript sources with tsx (a runtime dependency) on Node 22.
# Build: docker build -t wayfinder .   Run: see docker-compose.yml (Postgres, Wayfinder, Mailpit).
FROM node:22-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. argon2 ships a prebuilt binary for
# linux-x64/arm64 (glibc), so no compiler is needed.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY config ./config
COPY migrations ./migrations
COPY src ./src

# The embedded database (used only when DATABASE_URL is unset) lives in /app/data: writable by the
# unprivileged user that runs the service.
RUN mkdir -p /app/data && chown node:node /app/data
USER node

EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# One node process (no npm/npx wrapper), so SIGTERM reaches Wayfinder and it shuts down gracefully.
# The operator CLI runs in the same image: docker compose exec wayfinder bin/wayfinder.js help
CMD ["node", "--import", "tsx", "src/main.ts"]
