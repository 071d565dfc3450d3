import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The agents' way to check the controller out of band: `enroll --fingerprint sha256:<hex>`. */
export interface CertificateFingerprint {
  /** "sha256:<64 lower-case hex>": the SHA-256 of the certificate's DER, as --fingerprint takes it. */
  sha256: string;
  /** The same as `openssl x509 -noout -fingerprint -sha256` prints it: "AB:CD:...". */
  openssl: string;
}

/** The fingerprint of the first certificate of a PEM file (the leaf the server presents). */
export function certificateFingerprint(pemFile: string): CertificateFingerprint {
  const cert = new X509Certificate(readFileSync(pemFile));
  const openssl = cert.fingerprint256;
  return { sha256: `sha256:${openssl.replace(/:/g, '').toLowerCase()}`, openssl };
}
