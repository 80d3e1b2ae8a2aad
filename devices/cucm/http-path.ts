/**
 * The TFTP file name an HTTP request asks for, shared by the TFTP service's HTTP port 6970
 * (tftp-service.ts) and Tomcat's HTTPS 6972 (tomcat.ts): both serve the TFTP directory, so both must
 * read a request target the same way, and neither may throw on what a client sends.
 *
 * `GET /ITLFile.tlv`, `GET /SEP001122334455.cnf.xml.sgn?x=1` and the absolute form
 * `GET http://cucm:6970/ITLFile.tlv` (RFC 9112 §3.2.2) name a file; percent-escapes are decoded, then
 * the name is cleaned exactly as a TFTP read request is (devices/protocols/tftp/server.ts
 * `normaliseTftpPath`: no absolute paths, no `..` above the root). A malformed escape
 * (`/%E0%A4%A`, `/%ZZ`) is a 400; a name the TFTP rules refuse is a 404, as CUCM answers for any file it
 * does not serve.
 */
import { err, ok, type Result } from '../../emulator/result.ts';
import { normaliseTftpPath } from '../protocols/tftp/server.ts';

export interface HttpPathError {
  status: 400 | 404;
  /** Reason phrase and body text. */
  message: string;
  /** What the request asked for, decoded when it could be, for the log line. */
  requested: string;
}

export function httpPathToTftpName(target: string): Result<string, HttpPathError> {
  // Absolute form: drop scheme and authority; what remains is the path (maybe empty).
  const path = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/s, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return err({ status: 400, message: 'Bad Request', requested: path });
  }
  const requested = decoded.replace(/^\/+/, '');
  if (requested.includes('\0')) return err({ status: 400, message: 'Bad Request', requested });
  const clean = normaliseTftpPath(requested);
  if (!clean.ok) return err({ status: 404, message: 'File not found', requested });
  return ok(clean.value);
}
