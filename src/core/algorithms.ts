/** The HMAC hashes a TOTP token can use. Seed files, the verifier and the exporters share this list. */
export const HASH_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];
