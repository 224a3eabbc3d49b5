/**
 * A waiting sign-in state taken from its table: returned only while it lives; an expired one is
 * reported through `onExpired` instead (its data says which sign-in it belonged to), so that a late
 * answer can be told from an unknown, tampered or used state (src/routing/ recovers only the first).
 */
export function liveState<R extends { expires_at: Date; data: unknown }>(
  row: R | undefined,
  onExpired?: (row: R & { data: Record<string, unknown> }) => void,
): R | undefined {
  if (row && row.expires_at <= new Date()) {
    onExpired?.(row as R & { data: Record<string, unknown> });
    return undefined;
  }
  return row;
}
