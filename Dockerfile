# perimeter: the admission webhook image.
#   docker build -t perimeter .
#   docker run --rm -p 8443:8443 perimeter                 # development certificate, default rules
# The Helm chart runs it with the cert-manager certificate and the rules ConfigMap mounted.
#
# Building needs nothing from the network but the npm registry (and the two base images).

# Compile TypeScript and bundle the program with its dependencies (scripts/bundle.mjs): the
# bundle needs no node_modules, and leaves out the parts of the Kubernetes client it never uses.
FROM node:20.20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/bundle-checks.mjs scripts/third-party-notices.mjs ./scripts/
COPY src ./src
RUN npm run build \
    && mkdir -p /out/.perimeter

# Runtime: Node and nothing else (no shell, no package manager, no node_modules), as a numeric
# non-root user. package.json says the bundle's .js files are ES modules, and gives the version.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/dist/bundle ./dist/bundle
COPY package.json ./
COPY rules ./rules
COPY schema ./schema
# Where `perimeter serve` writes a development certificate when none is mounted (docker run);
# in the cluster the certificate is mounted and the root filesystem is read-only.
COPY --from=build --chown=65532:65532 /out/.perimeter ./.perimeter
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/bundle/perimeter.js"]
CMD ["serve"]
