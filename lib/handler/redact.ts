/**
 * Replaces every occurrence of a secret, and of its base64 and URL encodings, with `***`.
 * The last safety net before anything leaves the handler (log line, FAILED reason).
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of new Set([secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      out = out.split(form).join('***');
    }
  }
  return out;
}
