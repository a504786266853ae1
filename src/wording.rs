//! Small pieces of English shared by messages across sflab.

/// "1 request" / "3 requests".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
