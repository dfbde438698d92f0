/**
 * Errors the caller can act on. Each carries the HTTP status it maps to and a stable `code`;
 * the HTTP error middleware is the only place that turns them into responses, and Step
 * Functions Retry/Catch match them by `name`.
 */
export class TailorError extends Error {
  readonly statusCode: number = 500;
  readonly code: string = 'InternalError';
  readonly details: unknown;

  constructor(message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The request is malformed: bad JSON, a field of the wrong type, a missing field. */
export class ValidationError extends TailorError {
  override readonly statusCode = 400;
  override readonly code = 'ValidationError';
}

/** The thing asked for does not exist (an unknown route, id or version). */
export class NotFoundError extends TailorError {
  override readonly statusCode = 404;
  override readonly code = 'NotFound';
}

/** The request conflicts with the current state (a run already under way, say). */
export class ConflictError extends TailorError {
  override readonly statusCode = 409;
  override readonly code = 'Conflict';
}

/** The payload is larger than the route accepts. */
export class PayloadTooLargeError extends TailorError {
  override readonly statusCode = 413;
  override readonly code = 'PayloadTooLarge';
}

/** A dependency (the model endpoint, say) failed or answered something unusable. */
export class UpstreamError extends TailorError {
  override readonly statusCode = 502;
  override readonly code = 'UpstreamError';
}

/** The deployment is missing a setting this function needs: an operator's mistake. */
export class ConfigurationError extends TailorError {
  override readonly code = 'ConfigurationError';
}

/**
 * The message of a Step Functions Catch's `Cause`: a Lambda error's Cause is its JSON error
 * object, whose `errorMessage` is what a reader needs; any other Cause as it is.
 */
export function stepErrorMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause as it is
  }
  return cause;
}
