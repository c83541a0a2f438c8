# Airlock as a container image (docs/INSTALL.md): the single binary on Debian's slim image, run by
# an unprivileged user, HTTPS on port 8443, the data directory on a volume.

# Build: the checkout's locked dependencies, then `npm run build:binary` makes dist/airlock.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build:binary

# Run: the binary alone. It links against glibc and libstdc++ as node does, which this image has.
FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 airlock \
  && useradd --system --uid 10001 --gid airlock --home-dir /var/lib/airlock --shell /usr/sbin/nologin airlock \
  && install -d -m 0700 -o airlock -g airlock /var/lib/airlock
COPY --from=build /src/dist/airlock /usr/local/bin/airlock
USER airlock
# Settings by environment (docs/CONFIG.md): every interface, HTTPS with the data directory's
# self-signed certificate. Add AIRLOCK_TLS_HOSTS, and AIRLOCK_PASSPHRASE_FILE naming a secret.
ENV AIRLOCK_HOST=0.0.0.0 AIRLOCK_PORT=8443
VOLUME ["/var/lib/airlock"]
EXPOSE 8443
# No --start-period: dockerfilelint 1.8 misreads it; the first check comes after 30 s anyway.
HEALTHCHECK --interval=30s --timeout=10s --retries=3 \
  CMD ["/usr/local/bin/airlock", "health", "--data", "/var/lib/airlock"]
# The first start makes a standalone data directory (`serve --init`); one made before, with
# `docker compose run --rm airlock appliance init …`, is served as it is.
ENTRYPOINT ["/usr/local/bin/airlock"]
CMD ["serve", "--data", "/var/lib/airlock", "--init"]
