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

/// A file size as people read it: "900 bytes", "340 KiB", "3.1 MiB".
pub fn bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let n_f = n as f64;
    if n < 1024 {
        format!("{n} bytes")
    } else if n_f < KIB * KIB {
        format!("{:.0} KiB", n_f / KIB)
    } else {
        format!("{:.1} MiB", n_f / (KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_are_worded_in_the_unit_that_reads_best() {
        assert_eq!(super::bytes(900), "900 bytes");
        assert_eq!(super::bytes(340 * 1024), "340 KiB");
        assert_eq!(super::bytes(3_240_677), "3.1 MiB");
    }
}
