/**
 * V8 settings `perimeter serve` runs with: `npm start`, the chart's Deployment (NODE_OPTIONS)
 * and `npm run bench` all use these, and tests check that they agree.
 *
 * Young generation at 4 MiB per semi-space instead of V8's 16: a review's garbage (the parsed
 * AdmissionReview, fastify's request and reply) dies young, so a smaller nursery only means more,
 * equally short scavenges. Measured under the bench's load (16 connections): RSS 90-96 MiB
 * instead of 113-122, and no throughput difference within the noise of 10 rounds (README,
 * Performance). The old generation is left to the container's memory limit: with the cluster
 * caches of a large cluster it must be able to grow.
 */
export const SERVE_NODE_OPTIONS = '--max-semi-space-size=4';
