import { randomUUID } from 'node:crypto';

/**
 * The trace id of a request: an incoming W3C `traceparent` (its trace-id part) or `x-request-id` (letters, digits,
 * `_.:-`, at most 128 characters) is adopted, else a new one is made. The API echoes it in the `x-request-id`
 * response header and in every error body, and its log lines carry it as `traceId`.
 */
export function requestTraceId(headers: Record<string, string | string[] | undefined>): string {
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string') {
    const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/i.exec(traceparent.trim());
    if (match?.[1] !== undefined) return match[1].toLowerCase();
  }
  const requestId = headers['x-request-id'];
  if (typeof requestId === 'string' && /^[\w.:-]{1,128}$/.test(requestId)) return requestId;
  return randomUUID().replaceAll('-', '');
}
