//! What the Markdown feedback shows of a submission's own output: control characters as
//! pictures, never for the instructor's terminal to obey; binary output made text; a rule's
//! message of several lines kept out of the table row it would break; and a note that says
//! exactly what sflab kept of a run that printed too much.

use super::grade;
use std::path::Path;

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// The rows of the feedback's table of rules.
fn table_rows(md: &str) -> Vec<&str> {
    md.lines()
        .skip_while(|l| !l.starts_with("| | rule |"))
        .skip(2)
        .take_while(|l| !l.is_empty())
        .collect()
}

#[cfg(unix)]
#[test]
fn feedback_shows_escapes_and_binary_output_as_text_and_keeps_its_table_whole() {
    let t = tempfile::tempdir().unwrap();
    let sub = t.path().join("mallory");
    std::fs::create_dir_all(&sub).unwrap();
    // Retitles the terminal and clears it, floods stderr with binary past the output cap,
    // then ends with an error whose last lines carry the escapes again.
    executable(
        &sub.join("run"),
        "#!/bin/sh\nprintf 'hello \\033]2;PWNED\\007\\033[2J\\r\\n'\nhead -c 400000 /dev/urandom >&2\nprintf '\\nerr \\033]2;PWNED\\007\\033[2J\\033[31mRED\\033[0m\\n' >&2\nexit 3\n",
    );
    let out = t.path().join("out");
    grade(&[sub], &out, &["--format", "md"]);
    let md = std::fs::read_to_string(out.join("feedback/mallory.md")).unwrap();
    let raw: Vec<char> = md
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        .collect();
    assert!(raw.is_empty(), "raw control characters {raw:?} in\n{md}");
    assert!(md.contains("err ␛]2;PWNED␇␛[2J␛[31mRED␛[0m"), "{md}");

    let rows = table_rows(&md);
    assert!(!rows.is_empty(), "{md}");
    for row in &rows {
        let cells = row.replace("\\|", "").matches('|').count();
        assert!(
            row.starts_with("| ") && row.ends_with(" |") && cells == 5,
            "a whole table row: {row:?}\n{md}"
        );
    }
    let exit = rows
        .iter()
        .find(|r| r.contains("`process.exit_ok`"))
        .unwrap();
    assert!(
        exit.contains("(continued below the table)"),
        "a message of several lines says where the rest is: {exit}"
    );
    assert!(
        md.contains("Run 1 printed more to stderr than sflab keeps: the first 256 KiB and the last 16 KiB of it were kept; what came between was left out of the copy (a line in the output marks where), searched for secrets, and up to 4.0 MiB of it judged by the checks on output."),
        "the note says what was kept: {md}"
    );
    assert!(!md.contains("only the first part"), "{md}");
}
