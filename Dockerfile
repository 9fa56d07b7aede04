# Flowrun: one image for every process kind (flowrun serve, flowrun worker, flowrun migrate).
# Build: docker build -t flowrun .   Run: docker run -p 8787:8787 -e HOST=0.0.0.0 -v flowrun-data:/data flowrun

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Toolchain for native modules that fall back to a source build.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The workspaces: the typed client (the dashboard uses it) and the dashboard.
COPY client/package.json ./client/
COPY web/package.json ./web/
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY client ./client
COPY web ./web
COPY catalog ./catalog
# The server, the client and the dashboard (dist/web, which the server serves at /).
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8787 FLOWRUN_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/catalog ./catalog
COPY --chown=node:node package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/cli/index.js", "serve"]
