//! Why a PKCE `code_challenge` did not match its verifier, when the learner's sources say: a
//! line that hashes with SHA-256 and writes the digest in hex (`digest('hex')`,
//! `hexdigest()`, `sha256sum`, `openssl dgst -sha256` without `-binary`). Such a challenge is
//! 64 characters the authorize endpoint accepts (RFC 7636 §4.2 allows 43 to 128 of them), so
//! the mistake only shows when the token endpoint compares it with the verifier's digest.
//!
//! Pure: the caller passes the sources from the evidence.
//!
//! Implementation notes: the challenge and verifier themselves are redacted before rules see
//! the traffic (a keyed hash stands in for each), so their look cannot be judged from it; the
//! sources are stored redacted too, but code that computes a digest holds no secret and reads
//! as written.

use crate::evidence::SourceFile;

/// The ways code writes a digest in hex, as they appear in a line.
const HEX_MARKERS: &[&str] = &[
    "digest('hex')",
    "digest(\"hex\")",
    "digest(`hex`)",
    "hexdigest(",
    "sha256sum",
    "xxd -p",
    "encodetostring(", // Go's hex.EncodeToString
];

/// A clause naming the source line that writes the challenge's SHA-256 in hex, or `None`.
pub(crate) fn hex_challenge_line(sources: &[SourceFile]) -> Option<String> {
    for file in sources {
        for (n, line) in file.text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            let hashes = lower.contains("sha256") || lower.contains("sha-256");
            let marker = HEX_MARKERS
                .iter()
                .find(|m| lower.contains(*m))
                .map(|m| m.trim_end_matches('(').to_string())
                .or_else(|| {
                    (lower.contains("openssl dgst") && !lower.contains("-binary"))
                        .then(|| "openssl dgst without -binary".to_string())
                });
            if let (true, Some(marker)) = (hashes || lower.contains("challenge"), marker) {
                return Some(format!(
                    "`{}` line {} writes the SHA-256 in hex (`{marker}`), but the challenge is the base64url of the digest's 32 bytes: 43 characters, `-` and `_` in place of `+` and `/`, and no `=`",
                    file.path,
                    n + 1
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Vec<SourceFile> {
        vec![SourceFile {
            path: "run".into(),
            text: text.into(),
        }]
    }

    #[test]
    fn a_challenge_made_with_a_hex_digest_is_named_by_file_and_line() {
        let node = "const v = x;\nconst challenge = crypto.createHash('sha256').update(v).digest('hex');\n";
        let said = hex_challenge_line(&source(node)).expect("a diagnosis");
        assert!(
            said.contains("`run` line 2 writes the SHA-256 in hex (`digest('hex')`)")
                && said.contains("base64url of the digest's 32 bytes"),
            "{said}"
        );
        let shell = "challenge=$(printf %s \"$v\" | openssl dgst -sha256 | cut -d' ' -f2)\n";
        assert!(hex_challenge_line(&source(shell)).is_some());
    }

    #[test]
    fn a_base64url_challenge_and_unrelated_hex_are_not_blamed() {
        let right = "challenge=$(printf %s \"$v\" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\\n')\nstate=$(openssl rand -hex 8)\n";
        assert_eq!(hex_challenge_line(&source(right)), None);
        let node = "const state = crypto.randomBytes(8).toString('hex');\n";
        assert_eq!(hex_challenge_line(&source(node)), None);
    }
}
