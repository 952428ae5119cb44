# One image for both the API and the workers; docker-compose.yml picks the command.
# tsx is a runtime dependency, so the TypeScript sources run as they are: no build stage.
FROM node:20-bookworm-slim

# ffmpeg and ffprobe for the workers, and for the API's one-still crops when a frame off the
# artwork shortlist is pinned.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first so a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# Non-root: the image's `node` user (uid 1000). It needs to write only its data dir and /tmp
# (scratch space for chunk encodes and packaging, VF_TMP_DIR defaults to os.tmpdir()).
RUN mkdir -p /var/lib/vodforge && chown node:node /var/lib/vodforge
ENV VF_DATA_DIR=/var/lib/vodforge
USER node

EXPOSE 8080
# Plain `node` as PID 1 gets SIGTERM directly, which is how a worker is told to finish its job.
CMD ["node", "bin/vodforge.mjs", "worker"]
