//! The line of a crashed program's stderr that says what stopped it, when the last lines
//! shown of that stderr do not.
//!
//! Python prints its error last, under the traceback, so the last lines of its stderr say
//! what went wrong. Node.js and Java print the error first and their stack frames under it
//! (Node.js then a footer, `Node.js v20.…`): the last lines of such a crash are frames only.
//! Messages that quote the tail of a run's stderr lead it with the error line found above it,
//! and with Node.js's `file:line` line (where the code stopped) when there is one.

/// How many lines above the error line Node.js's `file:line` line may stand (it is followed
/// by the offending source line and a caret line, and maybe a blank one).
const LOCATION_REACH: usize = 4;

/// The line naming the error, with the `file:line` above it if any, when `tail` (the part of
/// `stderr` a message shows) holds no line naming an error but `stderr` does before it.
pub fn lead(stderr: &str, tail: &str) -> Option<String> {
    if tail.lines().any(names_an_error) {
        return None;
    }
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines.iter().rposition(|l| names_an_error(l))?;
    let location = lines[at.saturating_sub(LOCATION_REACH)..at]
        .iter()
        .rev()
        .find(|l| is_location(l));
    Some(match location {
        Some(place) => format!("{}\n{}", place.trim(), lines[at].trim()),
        None => lines[at].trim().to_string(),
    })
}

/// A tail of stderr led by its error line (see [`lead`]), with `…` marking the lines left out
/// between them; the tail as it is otherwise.
pub fn with_lead(stderr: &str, tail: String) -> String {
    match lead(stderr, &tail) {
        Some(lead) => format!("{lead}\n…\n{tail}"),
        None => tail,
    }
}

/// Whether a line names an error as runtimes print one: `SyntaxError: …`,
/// `Error: Cannot find module …`, `TypeError [ERR_INVALID_URL]: …`,
/// `java.lang.IllegalStateException: …`, `Uncaught ReferenceError: …`, `Exception in thread
/// "main" …`.
fn names_an_error(line: &str) -> bool {
    let line = line.trim_start();
    let line = line.strip_prefix("Uncaught ").unwrap_or(line);
    if line.starts_with("Exception in thread ") {
        return true;
    }
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$'))
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(name_end);
    let simple = name.rsplit('.').next().unwrap_or(name);
    let is_error_name = simple.ends_with("Error") || simple.ends_with("Exception");
    // Node's error codes come in brackets between the name and the colon.
    let rest = match rest.strip_prefix(" [") {
        Some(coded) => coded.split_once(']').map_or("", |(_, after)| after),
        None => rest,
    };
    is_error_name && (rest.starts_with(':') || rest.is_empty())
}

/// Whether a line is Node.js's `file:line` header of a crash: a path ending in `:<digits>`.
fn is_location(line: &str) -> bool {
    let line = line.trim();
    match line.rsplit_once(':') {
        Some((path, number)) => {
            !path.is_empty()
                && !path.contains(' ')
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE_SYNTAX: &str = "/work/lab/bridge.js:110\nfunction broken( {\n                 ^\n\nSyntaxError: Unexpected end of input\n    at internalCompileFunction (node:internal/vm:76:18)\n    at wrapSafe (node:internal/modules/cjs/loader:1283:20)\n    at Module._compile (node:internal/modules/cjs/loader:1328:27)\n    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2";

    fn tail(text: &str, n: usize) -> String {
        crate::wording::last_lines(text, n, 300)
    }

    #[test]
    fn a_node_crash_is_led_by_its_error_and_the_place_it_stopped() {
        let shown = with_lead(NODE_SYNTAX, tail(NODE_SYNTAX, 5));
        assert!(
            shown.starts_with("/work/lab/bridge.js:110\nSyntaxError: Unexpected end of input\n…\n"),
            "{shown}"
        );
        assert!(shown.ends_with("Node.js v20.20.2"), "{shown}");
    }

    #[test]
    fn a_missing_module_is_named_above_its_require_stack() {
        let text = "node:internal/modules/cjs/loader:1143\n  throw err;\n  ^\n\nError: Cannot find module './lib.js'\nRequire stack:\n- /work/lab/middleware.js\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1140:15)\n    at Module._load (node:internal/modules/cjs/loader:981:27)\n  code: 'MODULE_NOT_FOUND',\n  requireStack: [ '/work/lab/middleware.js' ]\n}\n\nNode.js v20.20.2";
        let shown = with_lead(text, tail(text, 5));
        assert!(
            shown.contains("Error: Cannot find module './lib.js'\n…\n"),
            "{shown}"
        );
    }

    #[test]
    fn a_tail_that_names_its_error_is_shown_as_it_is() {
        let python = "Traceback (most recent call last):\n  File \"main.py\", line 3, in <module>\n    import requests\nModuleNotFoundError: No module named 'requests'";
        let shown = tail(python, 5);
        assert_eq!(with_lead(python, shown.clone()), shown);
        let plain = "query failed with HTTP 401\nexiting";
        assert_eq!(with_lead(plain, tail(plain, 5)), tail(plain, 5));
    }

    #[test]
    fn error_names_are_told_from_ordinary_lines() {
        assert!(names_an_error("TypeError [ERR_INVALID_URL]: Invalid URL"));
        assert!(names_an_error("java.lang.IllegalStateException: closed"));
        assert!(names_an_error("Uncaught ReferenceError: x is not defined"));
        assert!(!names_an_error(
            "    at Module._compile (node:internal:1:2)"
        ));
        assert!(!names_an_error("Errors: 3 rows failed"));
        assert!(!names_an_error("no Error here"));
        assert!(is_location("/work/lab/bridge.js:110"));
        assert!(!is_location("HTTP status: 401"));
    }
}
