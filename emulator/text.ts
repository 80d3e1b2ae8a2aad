/**
 * Small text helpers shared by device models and file formats.
 */

/**
 * Escapes `&`, `<`, `>` and `"` for XML text and double-quoted attribute values (phone configs, UDS
 * and edge-config answers). Apostrophes are left as they are: no attribute we write is single-quoted.
 */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
