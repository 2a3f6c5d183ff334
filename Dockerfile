# tracelens share server, one image for both roles (an example: see README "Running at scale").
#   app replica:   docker run -p 3000:3000 -e TRACELENS_DATABASE_URL=... -e TRACELENS_S3_BUCKET=... IMAGE
#   queue worker:  docker run -e ... IMAGE node dist/tracelens-worker.mjs
# Without TRACELENS_DATABASE_URL the app keeps SQLite + files in /app/data (mount a volume there).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    TRACELENS_DATA_DIR=/app/data
COPY --from=build /app/package.json /app/next.config.js ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/.next ./.next
COPY --from=build /app/public ./public
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
CMD ["node_modules/.bin/next", "start", "-p", "3000", "-H", "0.0.0.0"]
