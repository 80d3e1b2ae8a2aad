/**
 * The timestamp Expressway writes in its event and developer logs (`UTCTime="2016-03-15 21:27:33,709"`,
 * seed 003): ISO date and time in UTC, a space between them, a comma before the milliseconds.
 */
export function utc(d = new Date()): string {
  return d.toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
}
