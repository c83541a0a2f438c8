// The 32 characters of typed codes: Crockford's Base32 (no I, L, O, U), docs/FORMATS.md §2.1.

export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
