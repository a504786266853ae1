//! Small pieces of English shared by messages across sflab.

/// Learner runs by number (1 = the first): "run 3", "runs 1 and 2", "runs 1, 2 and 4";
/// `None` for no run.
pub fn runs(numbers: &[usize]) -> Option<String> {
    let shown: Vec<String> = numbers.iter().map(usize::to_string).collect();
    match shown.as_slice() {
        [] => None,
        [one] => Some(format!("run {one}")),
        [init @ .., last] => Some(format!("runs {} and {last}", init.join(", "))),
    }
}

/// "1 request" / "3 requests".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
