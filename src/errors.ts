/**
 * Errors a user can cause, with stable codes (as fastify's `@fastify/error` does) so that tests
 * and logs match codes, not wording. The CLI turns any of them into its message and exit 2.
 */
export class PerimeterError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
