# syntax=docker/dockerfile:1
#
# The openraz signing service. The build stage compiles the TypeScript; the runtime stage
# holds only the compiled code, the production dependencies, the policies and openapi.yaml.
#
#   docker build -t openraz .
#   docker run -p 8080:8080 \
#     -e OPENRAZ_JWT_ISSUER=https://idp.example.com -e OPENRAZ_JWT_AUDIENCE=openraz \
#     -e OPENRAZ_JWT_ALGORITHMS=RS256 -e OPENRAZ_JWT_JWKS_URL=https://idp.example.com/jwks.json \
#     -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY \
#     -v "$PWD/policies:/app/policies:ro" openraz
#
# The service does not start without the jwt settings. Without storage credentials it
# starts, but /readyz answers 503 and nothing is signed.

# Node.js 20 reached end of life in April 2026; build with a supported line, for example
# --build-arg NODE_IMAGE=node:22-bookworm-slim, once the project supports it.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app

# The lock file is copied first, so the dependency layer is rebuilt only when it changes.
COPY package.json package-lock.json ./
RUN npm ci

COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build


FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    OPENRAZ_HOST=0.0.0.0 \
    OPENRAZ_PORT=8080 \
    OPENRAZ_POLICIES_DIR=/app/policies
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The files stay owned by root, so the service running as `node` cannot change its own code
# or policies.
COPY --from=build /app/dist ./dist
COPY policies ./policies
COPY openapi.yaml ./

USER node

# Operators mount their own policy files here; the loader's schema is compiled into dist/.
VOLUME ["/app/policies"]
EXPOSE 8080

# The slim image has no curl, so Node's own fetch does the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.OPENRAZ_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
