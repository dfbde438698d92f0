import type * as z from 'zod';
import { ValidationError } from '../../core/errors';

/** A readable account of one zod issue: `events.3.timestamp: expected ...`. */
export function describeIssue(issue: z.core.$ZodIssue, where?: string): string {
  const path = issue.path.map(String).join('.');
  const place = [where, path].filter(Boolean).join('.');
  return place ? `${place}: ${issue.message}` : issue.message;
}

/**
 * Parse untrusted input (a request, a model's answer, another state's output). On failure the
 * error's message names the first bad field and `details` lists every issue.
 */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, where?: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
  const first = result.error.issues[0];
  throw new ValidationError(first ? describeIssue(first, where) : 'invalid input', { issues });
}
