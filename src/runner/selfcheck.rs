//! `sflab dev check` for authors: every lab is valid and complete, its reference solution
//! passes on the mock org, every known-bad solution fails the rule its `expect.yaml` names,
//! and the untouched starter does not pass.
//!
//! Layout checked: `labs/<id>/lab.yaml` with at least one check and `starter/run`;
//! `solutions/<id>/run`; `solutions/<id>/wrong/<case>/expect.yaml`:
//! `{ fails: <rule>, why: <one sentence> }`. A known-bad case holds only the files that differ
//! from the reference solution: it runs as the reference with the case's files laid over it.
//!
//! Also refused: an `expect.yaml` without `why:`, a `leaves_out` naming what the reference
//! does not have, and a known-bad case stopped at the lab's time limit (it fails every check
//! for hanging, whatever mistake it was written to show) unless its `expect.yaml` says
//! `hangs: true` — the endless loop is its mistake. Said as warnings, which do not fail
//! the check: a rule whose hints all have a `when:`, a `latency` fault without `delay_ms`, a
//! fault the reference solution's runs never set off.

use super::attempt::{run_lab, RunOptions};
use super::parts::Parts;
use crate::curriculum::{Curriculum, Files};
use crate::lab::{copy_from_curriculum, LabSpec};
use crate::workspace::Workspace;
use serde::Deserialize;
use std::path::Path;

/// What a known-bad solution's `expect.yaml` says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The rule that must fail.
    pub fails: String,
    /// Why, for authors.
    #[serde(default)]
    pub why: String,
    /// Files of the reference solution this case goes without (paths inside the solution
    /// folder): the mistake is a file renamed or deleted, which a case laid over the
    /// reference cannot show otherwise.
    #[serde(default)]
    pub leaves_out: Vec<String>,
    /// The case runs until the lab's time limit stops it, and that is the mistake it shows
    /// (a client that retries or refreshes without end): its time-out is then no problem,
    /// and a run that ends on its own is.
    #[serde(default)]
    pub hangs: bool,
}

/// One thing dev check tried, and how it went.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub lab: String,
    /// `reference`, `starter` or `wrong/<case>`.
    pub case: String,
    /// `None` when it behaved as required; otherwise what went wrong.
    pub problem: Option<String>,
    /// What the case showed about the lab without failing it: a fault the reference
    /// solution's runs never set off.
    pub warnings: Vec<String>,
}

impl CaseResult {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

fn result(lab: &str, case: &str, problem: Option<String>) -> CaseResult {
    CaseResult {
        lab: lab.to_string(),
        case: case.to_string(),
        problem,
        warnings: Vec::new(),
    }
}

/// A warning for each fault of the lab that fired on no request of the reference solution's
/// runs: armed, yet what it tests the learner on never happens (a `match` no request meets,
/// a trigger it never reaches), so passing says nothing about it.
pub fn unfired_faults(spec: &LabSpec, report: &crate::runner::Report) -> Vec<String> {
    let fired: std::collections::BTreeSet<usize> = report
        .exchanges
        .iter()
        .filter_map(|e| e.fault.as_ref())
        .filter(|f| f.kind != "staged_outage")
        .map(|f| f.index)
        .collect();
    (0..spec.faults.len())
        .filter(|i| !fired.contains(i))
        .map(|i| {
            format!(
                "labs/{}/lab.yaml: fault {} never fired during the reference solution's run(s): \
                 no request met its `match` and trigger, so the lab tests nothing with it; check \
                 its `match` (method, path, query) and trigger against the requests the \
                 solution makes",
                spec.id,
                i + 1
            )
        })
        .collect()
}

/// An expect.yaml that does not read, placed as every other file's problem is:
/// `solutions/x/wrong/y/expect.yaml:3: malformed: …`, with the field it likely means.
fn expect_yaml_problem(file: &str, text: &str, e: &serde_yaml::Error) -> String {
    let said = crate::yaml_input::with_likely_field(&crate::yaml_input::error_text(text, e));
    match crate::yaml_input::error_place(text, e) {
        Some((line, _)) => format!("{file}:{line}: malformed: {said}"),
        None => format!("{file}: malformed: {said}"),
    }
}

/// The wrong cases of a lab: (case name, expect.yaml text).
fn wrong_cases(files: &dyn Files, lab: &str) -> Vec<(String, Option<String>)> {
    let prefix = format!("solutions/{lab}/wrong/");
    let mut names: Vec<String> = files
        .list(&prefix)
        .iter()
        .filter_map(|p| p[prefix.len()..].split('/').next().map(str::to_string))
        .collect();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let expect = files
                .read(&format!("{prefix}{n}/expect.yaml"))
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            (n, expect)
        })
        .collect()
}

/// The static checks of one lab: problems an author must fix before anything runs.
pub fn lab_layout_problems(files: &dyn Files, spec: &LabSpec) -> Vec<String> {
    let id = &spec.id;
    let mut out = Vec::new();
    if spec.checks.is_empty() {
        out.push(format!(
            "labs/{id}/lab.yaml has no checks: a lab needs at least one rule to pass"
        ));
    }
    if files.read(&format!("labs/{id}/starter/run")).is_none() {
        out.push(format!(
            "labs/{id}/starter/run is missing: every lab gives the learner a ./run"
        ));
    }
    for f in &spec.files {
        if files.read(&format!("labs/{id}/starter/{f}")).is_none() {
            out.push(format!(
                "labs/{id}/lab.yaml lists file {f:?}, which is not in labs/{id}/starter/"
            ));
        }
    }
    if files.read(&format!("solutions/{id}/run")).is_none() {
        out.push(format!(
            "solutions/{id}/run is missing: every lab has a reference solution"
        ));
    }
    let cases = wrong_cases(files, id);
    if cases.is_empty() {
        out.push(format!(
            "solutions/{id}/wrong/ has no case: add at least one known-bad solution with an expect.yaml"
        ));
    }
    for (case, expect) in cases {
        let file = format!("solutions/{id}/wrong/{case}/expect.yaml");
        let read = expect.map(|t| (serde_yaml::from_str::<Expectation>(&t), t));
        match read.as_ref().map(|(x, t)| (x.as_ref(), t)) {
            None => out.push(format!(
                "{file} is missing: name the rule this case must fail (`fails: <rule>`)"
            )),
            Some((Err(e), text)) => out.push(expect_yaml_problem(&file, text, e)),
            Some((Ok(x), _)) if !spec.checks.iter().any(|c| c.rule == x.fails) => {
                out.push(format!(
                    "{file} expects rule {:?} to fail, but the lab does not check it",
                    x.fails
                ))
            }
            Some((Ok(x), text)) => out.extend(expectation_problems(files, id, &file, text, x)),
        }
    }
    out
}

/// What is wrong in a readable `expect.yaml` (`file`, holding `text`) of lab `id`: a case that
/// does not say `why:` it is wrong, and a `leaves_out:` naming what the reference solution does
/// not have (the case would then run as the reference, its mistake never made), at its line.
fn expectation_problems(
    files: &dyn Files,
    id: &str,
    file: &str,
    text: &str,
    x: &Expectation,
) -> Vec<String> {
    let left_lines = crate::yaml_input::item_lines(text, "leaves_out");
    let left_at = |i: usize| match left_lines
        .get(i)
        .copied()
        .or(crate::yaml_input::key_line(text, "leaves_out"))
    {
        Some(line) => format!("{file}:{line}:"),
        None => file.to_string(),
    };
    let mut out = Vec::new();
    if x.why.trim().is_empty() {
        out.push(format!(
            "{file} has no `why:`: say in a sentence what this case gets wrong, so whoever \
             changes the lab knows what it must keep failing"
        ));
    }
    let reference = format!("solutions/{id}/");
    for (i, left) in x.leaves_out.iter().enumerate() {
        let path = format!("{reference}{}", left.trim_end_matches('/'));
        let is_file = files.read(&path).is_some();
        let is_folder = !files.list(&format!("{path}/")).is_empty();
        if !is_file && !is_folder || left.starts_with("wrong/") || left.trim().is_empty() {
            out.push(format!(
                "{} leaves out {left:?}, which is not a file of the reference solution \
                 {reference}: name a file (or folder) the reference has, relative to \
                 {reference}, or drop it from `leaves_out:`",
                left_at(i)
            ));
        }
    }
    out
}

/// The last line of `sflab dev check`: that every case behaves, or how many of them do not,
/// worded for one case as for many ("The 1 case behaves …", "1 of 3 cases does not behave
/// …"), each a sentence that says what it is about.
pub fn outcome_line(bad: usize, cases: usize) -> String {
    match (bad, cases) {
        (0, 1) => "The 1 case behaves as the curriculum says.".into(),
        (0, n) => format!("All {n} cases behave as the curriculum says."),
        (1, 1) => "The 1 case does not behave as the curriculum says.".into(),
        (1, n) => format!("1 of {n} cases does not behave as the curriculum says."),
        (b, n) => format!("{b} of {n} cases do not behave as the curriculum says."),
    }
}

/// Where a lab's file goes against what the README asks of an author without making the lab
/// unusable: said by `sflab dev check` as warnings, which do not fail it. A rule whose hints
/// all have a `when:` leaves the failures no `when` names with no hint; a `latency` fault with
/// no `delay_ms` holds its answer back for the default second, which the author rarely meant.
pub fn lab_warnings(spec: &LabSpec, yaml: &str) -> Vec<String> {
    let file = format!("labs/{}/lab.yaml", spec.id);
    let rule_lines = crate::yaml_input::item_lines(yaml, "hints");
    let fault_lines = crate::yaml_input::item_lines(yaml, "faults");
    // `labs/x/lab.yaml:12`, as a problem that refuses the lab is placed.
    let at = |line: Option<&usize>| match line {
        Some(l) => format!("{file}:{l}"),
        None => file.clone(),
    };
    let mut out = Vec::new();
    let rules: std::collections::BTreeSet<&str> = spec
        .hints
        .iter()
        .filter_map(|h| h.rule.as_deref())
        .collect();
    for rule in rules {
        let hints = spec
            .hints
            .iter()
            .filter(|h| h.rule.as_deref() == Some(rule));
        if hints.clone().all(|h| !h.when.is_empty()) {
            let first = spec
                .hints
                .iter()
                .position(|h| h.rule.as_deref() == Some(rule));
            out.push(format!(
                "{}: every hint for rule {rule} has a `when:`, so a failure of {rule} that \
                 no `when` names gets no hint of its own (another failing check's come instead, \
                 if there is one): add a hint for {rule} without `when`, unless that failure \
                 always comes with another check's",
                at(first.and_then(|i| rule_lines.get(i)))
            ));
        }
    }
    for (i, fault) in spec.faults.iter().enumerate() {
        let kind = fault.get("kind").and_then(|k| k.as_str());
        if kind == Some("latency") && fault.get("delay_ms").is_none() {
            out.push(format!(
                "{}: fault {} (`kind: latency`) has no `delay_ms`, so it holds back the \
                 default 1 second: give `delay_ms` to say how long",
                at(fault_lines.get(i)),
                i + 1
            ));
        }
    }
    out
}

/// The problem with a known-bad case whose runs were stopped at the lab's time limit: its
/// checks then fail because it hung, whichever mistake it was written to show, so passing
/// for "failing" proves nothing about that mistake.
fn timed_out_problem(r: &crate::runner::Report, limit: std::time::Duration) -> Option<String> {
    let hung: Vec<String> = r
        .runs
        .iter()
        .filter(|run| run.timed_out)
        .map(|run| (run.index + 1).to_string())
        .collect();
    (!hung.is_empty()).then(|| {
        format!(
            "timed out: run {} was stopped at the lab's time limit ({limit:?}), so its checks \
             fail because it hung, not for the mistake this case shows; make the case end on \
             its own (or give `run: timeout:` room for it; or, if the endless loop is the \
             mistake, say `hangs: true` in its expect.yaml). It {}",
            hung.join(", "),
            failing_rules(r)
        )
    })
}

/// What is wrong with a known-bad case's attempt, if anything: it must fail the rule its
/// `expect.yaml` names, for that mistake — not by hanging until the time limit, unless it
/// says `hangs: true`, and then it must hang.
fn known_bad_problem(
    expect: &Expectation,
    r: &crate::runner::Report,
    limit: std::time::Duration,
) -> Option<String> {
    let hung = r.runs.iter().any(|run| run.timed_out);
    if expect.hangs && !hung {
        return Some(
            "its expect.yaml says `hangs: true`, but every run ended on its own: drop `hangs:`, \
             or make the case show the endless loop it is about"
                .to_string(),
        );
    }
    if !expect.hangs {
        if let Some(problem) = timed_out_problem(r, limit) {
            return Some(problem);
        }
    }
    // A lab may check one rule several times (three `design.table`s): any of them failing is
    // the failure the case names. A secrets check held back for want of work ("Not awarded:
    // … No secret was printed.") held: the case did not make the mistake that check looks
    // for. Other checks may name the holding back itself as the mistake (a bridge that handles
    // no event cannot be judged idempotent, and is not awarded it).
    let named = |v: &&crate::rules::Verdict| v.rule == expect.fails && v.failed();
    let held_is_mistake = !expect.fails.starts_with("secrets.");
    if r.verdicts
        .iter()
        .filter(named)
        .any(|v| held_is_mistake || !v.held_back())
    {
        return None;
    }
    if r.verdicts.iter().any(|v| named(&v)) {
        return Some(format!(
            "must fail {rule} for the mistake it shows, but {rule} held: it was only not \
             awarded, because the attempt did no work to judge (no request reached the org, \
             or no run ended normally); make the case do the lab's work and make that \
             mistake. It {}",
            failing_rules(r),
            rule = expect.fails
        ));
    }
    Some(format!(
        "must fail {} but {}",
        expect.fails,
        failing_rules(r)
    ))
}

/// Runs the lab on the files under each `(prefix, skipped)` layer, later layers laid over
/// earlier ones.
async fn attempt_case(
    files: &dyn Files,
    spec: &LabSpec,
    ws: &Workspace,
    parts: &Parts,
    layers: &[(&str, &[&str])],
) -> Result<crate::runner::Report, String> {
    let top = layers.last().map_or("", |l| l.0);
    let case_root = ws
        .root
        .join(format!("{}--{}", spec.id, top.replace('/', "_")));
    let _ = std::fs::remove_dir_all(&case_root);
    // A workspace of its own, as a learner's attempt has: the cases running beside it write
    // the lab's secrets into their own folders, which are not this case's files beside the
    // lab folder (`secrets.files_private` judges those).
    let case_ws = Workspace::at(&case_root).map_err(|e| e.to_string())?;
    let dir = case_ws.lab_dir(&spec.id);
    for (prefix, skip) in layers {
        copy_from_curriculum(files, prefix, &dir, skip).map_err(|e| e.to_string())?;
    }
    let mut options = RunOptions::new(case_ws, parts.clone());
    options.lab_dir = Some(dir);
    options.record = false;
    run_lab(spec, &options).await.map_err(|e| e.to_string())
}

/// The rules a case failed, each with its message (an author needs the why, e.g. a check
/// query the org refused), one per line after the first.
fn failing_rules(r: &crate::runner::Report) -> String {
    let failed: Vec<String> = r
        .verdicts
        .iter()
        .filter(|v| v.failed())
        .map(|v| format!("{}: {}", v.rule, v.message.lines().next().unwrap_or("")))
        .collect();
    if failed.is_empty() {
        return "nothing failed".into();
    }
    // A run that failed shows why, so an author need not rerun it by hand (a missing Python
    // package, a tool not on PATH).
    let mut text = format!("failed:\n  {}", failed.join("\n  "));
    for run in r
        .runs
        .iter()
        .filter(|run| !run.succeeded() && !run.stopped_by_lab)
    {
        let lines: Vec<&str> = run
            .stderr
            .text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        if let Some(tail) = lines
            .get(lines.len().saturating_sub(3)..)
            .filter(|t| !t.is_empty())
        {
            text.push_str(&format!(
                "\n  run {} stderr ends: {}",
                run.index + 1,
                tail.join(" | ")
            ));
        }
    }
    text
}

/// One attempt dev check makes for a lab.
#[derive(Debug, Clone)]
pub enum Case {
    /// The reference solution, which must pass.
    Reference,
    /// The untouched starter, which must not.
    Starter,
    /// A known-bad solution, which must fail as its `expect.yaml` says.
    Wrong { name: String, expect: Expectation },
}

impl Case {
    /// `reference`, `starter` or `wrong/<case>`, as results name it.
    pub fn label(&self) -> String {
        match self {
            Case::Reference => "reference".into(),
            Case::Starter => "starter".into(),
            Case::Wrong { name, .. } => format!("wrong/{name}"),
        }
    }
}

/// A lab's spec and the cases dev check runs for it, or the results that end its check before
/// any case runs.
pub type LabPlan = Result<(LabSpec, Vec<Case>), Vec<CaseResult>>;

/// What dev check runs for the lab `meta`: its spec and its cases, in the order they are
/// reported — or, when the lab cannot be run at all (its lab.yaml or its folders have a
/// problem), the results that say why.
pub fn plan_lab(files: &dyn Files, meta: &crate::curriculum::LabMeta) -> LabPlan {
    let spec = crate::lab::spec::parse(&format!("{}/lab.yaml", meta.dir), &meta.yaml)
        .map_err(|e| vec![result(&meta.id, "lab.yaml", Some(e.to_string()))])?;
    let layout = lab_layout_problems(files, &spec);
    if !layout.is_empty() {
        return Err(vec![result(&spec.id, "layout", Some(layout.join("\n")))]);
    }
    let mut cases = vec![Case::Reference, Case::Starter];
    for (name, expect) in wrong_cases(files, &spec.id) {
        // An expect.yaml that does not read is a layout problem, reported above.
        if let Some(Ok(expect)) = expect.map(|t| serde_yaml::from_str::<Expectation>(&t)) {
            cases.push(Case::Wrong { name, expect });
        }
    }
    Ok((spec, cases))
}

/// Runs one case of a lab in the scratch workspace `ws` and says whether it behaved as
/// required. Each case runs in a workspace of its own against a fresh mock org.
pub async fn run_case(
    files: &dyn Files,
    spec: &LabSpec,
    ws: &Workspace,
    parts: &Parts,
    case: &Case,
) -> CaseResult {
    let reference_files = format!("solutions/{}/", spec.id);
    let reference_layer: (&str, &[&str]) = (&reference_files, &["wrong/"]);
    let mut warnings = Vec::new();
    let problem = match case {
        Case::Reference => match attempt_case(files, spec, ws, parts, &[reference_layer]).await {
            Ok(r) if r.passed => {
                warnings = unfired_faults(spec, &r);
                None
            }
            Ok(r) => Some(format!(
                "the reference solution must pass but scored {}/{} ({})",
                r.points,
                r.max_points,
                failing_rules(&r)
            )),
            Err(e) => Some(e),
        },
        Case::Starter => {
            let starter_files = format!("labs/{}/starter/", spec.id);
            match attempt_case(files, spec, ws, parts, &[(&starter_files, &[])]).await {
                Ok(r) if r.passed => {
                    Some("the untouched starter passes: the lab asks nothing of the learner".into())
                }
                Ok(_) => None,
                Err(e) => Some(e),
            }
        }
        Case::Wrong { name, expect } => {
            let case_files = format!("solutions/{}/wrong/{name}/", spec.id);
            let mut reference_skip: Vec<&str> = reference_layer.1.to_vec();
            reference_skip.extend(expect.leaves_out.iter().map(String::as_str));
            let layers = [
                (reference_layer.0, &reference_skip[..]),
                (&case_files, &["expect.yaml"][..]),
            ];
            match attempt_case(files, spec, ws, parts, &layers).await {
                Ok(r) => known_bad_problem(expect, &r, spec.run.timeout),
                Err(e) => Some(e),
            }
        }
    };
    CaseResult {
        warnings,
        ..result(&spec.id, &case.label(), problem)
    }
}

/// Checks every lab of `curriculum` (or only the lab `only`), one case after another: see
/// [`super::selfcheck_jobs`] for several at a time.
pub async fn dev_check(
    files: &dyn Files,
    curriculum: &Curriculum,
    parts: &Parts,
    scratch: &Path,
    only: Option<&str>,
) -> Vec<CaseResult> {
    let ws = match scratch_workspace(scratch) {
        Ok(ws) => ws,
        Err(problem) => return vec![problem],
    };
    let mut out = Vec::new();
    for meta in curriculum
        .labs
        .iter()
        .filter(|l| only.is_none_or(|o| o == l.id))
    {
        match plan_lab(files, meta) {
            Err(problems) => out.extend(problems),
            Ok((spec, cases)) => {
                for case in &cases {
                    out.push(run_case(files, &spec, &ws, parts, case).await);
                }
            }
        }
    }
    out
}

/// The workspace dev check runs its cases in, or the result saying why it cannot.
pub fn scratch_workspace(scratch: &Path) -> Result<Workspace, CaseResult> {
    Workspace::at(scratch).map_err(|e| {
        result(
            "-",
            "workspace",
            Some(format!("cannot use {}: {e}", scratch.display())),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::DiskFiles;

    #[test]
    fn the_outcome_line_is_worded_for_one_case_as_for_many() {
        assert_eq!(
            outcome_line(1, 1),
            "The 1 case does not behave as the curriculum says."
        );
        assert_eq!(
            outcome_line(0, 1),
            "The 1 case behaves as the curriculum says."
        );
        assert_eq!(
            outcome_line(1, 4),
            "1 of 4 cases does not behave as the curriculum says."
        );
        assert_eq!(
            outcome_line(2, 4),
            "2 of 4 cases do not behave as the curriculum says."
        );
        assert_eq!(
            outcome_line(3, 3),
            "3 of 3 cases do not behave as the curriculum says."
        );
        assert_eq!(
            outcome_line(0, 4),
            "All 4 cases behave as the curriculum says."
        );
    }

    #[test]
    fn a_failed_case_names_each_failing_rule_with_its_reason() {
        let r = crate::runner::Report::new(
            "demo",
            "mock",
            vec![
                crate::rules::Verdict::pass("process.exit_ok", 1, "ok"),
                crate::rules::Verdict::fail(
                    "state.soql",
                    2,
                    "The lab's check query could not run (MALFORMED_QUERY); tell the lab's author.",
                ),
            ],
            Vec::new(),
            Vec::new(),
            chrono::Utc::now(),
            std::time::Duration::ZERO,
        );
        let text = failing_rules(&r);
        assert!(
            text.contains("state.soql: The lab's check query could not run (MALFORMED_QUERY)"),
            "{text}"
        );
        assert!(!text.contains("process.exit_ok"), "{text}");
    }

    /// A lab `demo` checking `process.exit_ok`, with a reference holding `run` and `data.json`
    /// and one known-bad case `bad` whose expect.yaml is `expect`.
    fn demo_with_case(expect: &str) -> (tempfile::TempDir, LabSpec) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        for (path, text) in [
            ("labs/demo/starter/run", "#!/bin/sh\n"),
            ("solutions/demo/run", "#!/bin/sh\n"),
            ("solutions/demo/data.json", "{}\n"),
            ("solutions/demo/wrong/bad/run", "#!/bin/sh\nexit 1\n"),
            ("solutions/demo/wrong/bad/expect.yaml", expect),
        ] {
            std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            std::fs::write(root.join(path), text).unwrap();
        }
        let spec = crate::lab::spec::parse(
            "lab.yaml",
            "id: demo\ntitle: D\nlevel: L1\nlesson: L1-basics/rest\n\
             checks:\n  - { rule: process.exit_ok }\n",
        )
        .unwrap();
        (t, spec)
    }

    #[test]
    fn a_leaves_out_naming_no_file_of_the_reference_is_a_layout_problem() {
        let (t, spec) = demo_with_case(
            "fails: process.exit_ok\nwhy: it exits 1.\nleaves_out: [nothere.md, data.json]\n",
        );
        let problems = lab_layout_problems(&DiskFiles::new(t.path()), &spec);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with(
                "solutions/demo/wrong/bad/expect.yaml:3: leaves out \"nothere.md\", which is not a file of the reference solution"
            ),
            "{problems:#?}"
        );
    }

    #[test]
    fn an_expect_yaml_without_why_is_a_layout_problem_naming_the_case() {
        let (t, spec) = demo_with_case("fails: process.exit_ok\n");
        let problems = lab_layout_problems(&DiskFiles::new(t.path()), &spec);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with("solutions/demo/wrong/bad/expect.yaml has no `why:`"),
            "{problems:#?}"
        );
    }

    #[test]
    fn a_known_bad_case_that_timed_out_is_a_problem_saying_so() {
        let run = |index, timed_out| crate::evidence::LearnerRun {
            index,
            timed_out,
            ..Default::default()
        };
        let report = |runs| {
            crate::runner::Report::new(
                "demo",
                "mock",
                vec![crate::rules::Verdict::fail(
                    "process.exit_ok",
                    1,
                    "run 2 timed out",
                )],
                Vec::new(),
                runs,
                chrono::Utc::now(),
                std::time::Duration::ZERO,
            )
        };
        let limit = std::time::Duration::from_secs(30);
        let hung = timed_out_problem(&report(vec![run(0, false), run(1, true)]), limit)
            .expect("a timed-out case is a problem");
        assert!(
            hung.starts_with("timed out: run 2 was stopped at the lab's time limit (30s)"),
            "{hung}"
        );
        assert!(hung.contains("process.exit_ok"), "{hung}");
        assert_eq!(timed_out_problem(&report(vec![run(0, false)]), limit), None);

        // An expect.yaml that says the endless loop is the mistake: its time-out is no
        // problem, and a case that ends on its own is.
        let expect = |hangs| Expectation {
            fails: "process.exit_ok".into(),
            why: "it refreshes without end.".into(),
            leaves_out: Vec::new(),
            hangs,
        };
        let timed_out = report(vec![run(0, false), run(1, true)]);
        let ended = report(vec![run(0, false)]);
        assert_eq!(known_bad_problem(&expect(true), &timed_out, limit), None);
        assert!(known_bad_problem(&expect(false), &timed_out, limit)
            .is_some_and(|p| p.starts_with("timed out")));
        assert!(known_bad_problem(&expect(true), &ended, limit)
            .is_some_and(|p| p.contains("says `hangs: true`, but every run ended on its own")));
        assert_eq!(known_bad_problem(&expect(false), &ended, limit), None);
    }

    #[test]
    fn a_known_bad_case_whose_named_check_was_only_not_awarded_is_a_problem() {
        let report = |verdict| {
            crate::runner::Report::new(
                "demo",
                "mock",
                vec![verdict],
                Vec::new(),
                vec![crate::evidence::LearnerRun::default()],
                chrono::Utc::now(),
                std::time::Duration::ZERO,
            )
        };
        let expect = Expectation {
            fails: "secrets.not_in_output".into(),
            why: "the token is printed.".into(),
            leaves_out: Vec::new(),
            hangs: false,
        };
        let limit = std::time::Duration::from_secs(30);
        let held =
            crate::rules::Verdict::pass("secrets.not_in_output", 1, "No secret was printed.")
                .not_awarded_unless("a run did the lab's work, but no run ended normally");
        let problem = known_bad_problem(&expect, &report(held), limit)
            .expect("a case that printed no token does not show a printed token");
        assert!(
            problem.starts_with(
                "must fail secrets.not_in_output for the mistake it shows, but secrets.not_in_output held"
            ),
            "{problem}"
        );
        let leaked =
            crate::rules::Verdict::fail("secrets.not_in_output", 1, "Your program printed …");
        assert_eq!(known_bad_problem(&expect, &report(leaked), limit), None);
        // Outside the secrets checks, holding a check back may be the very mistake the case
        // shows: a bridge that handles no event is not awarded idempotency.
        let idle = Expectation {
            fails: "events.consumer_idempotent".into(),
            why: "it handles no event, so idempotency is not awarded.".into(),
            leaves_out: Vec::new(),
            hangs: false,
        };
        let held_idle = crate::rules::Verdict::pass("events.consumer_idempotent", 3, "…")
            .not_awarded_unless("the bridge handled an event");
        assert_eq!(known_bad_problem(&idle, &report(held_idle), limit), None);
    }

    #[test]
    fn a_fault_the_reference_never_set_off_is_warned_of() {
        let yaml = "id: demo\ntitle: D\nlevel: L1\nlesson: L1-basics/rest\n\
             checks:\n  - { rule: process.exit_ok }\n\
             faults:\n  - { kind: unavailable, match: { path: /services/data/*/limits } }\n\
             \x20 - { kind: unavailable, match: { path: /services/data/*/query, query: { q: SELECT } } }\n";
        let spec = crate::lab::spec::parse("lab.yaml", yaml).unwrap();
        let mut fired = crate::rules::fixture::get("/services/data/v62.0/limits", 503);
        fired.fault = Some(crate::evidence::FaultFired {
            index: 0,
            kind: "unavailable".into(),
            action: "answered 503".into(),
        });
        let report = crate::runner::Report::new(
            "demo",
            "mock",
            Vec::new(),
            vec![
                fired,
                crate::rules::fixture::get("/services/data/v62.0/query", 200),
            ],
            Vec::new(),
            chrono::Utc::now(),
            std::time::Duration::ZERO,
        );
        let warnings = unfired_faults(&spec, &report);
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0].starts_with("labs/demo/lab.yaml: fault 2 never fired"),
            "{warnings:#?}"
        );
    }

    #[test]
    fn a_rule_with_only_when_hints_and_a_latency_without_delay_are_warned_of() {
        let yaml = "id: demo\ntitle: D\nlevel: L1\nlesson: L1-basics/rest\n\
             checks:\n  - { rule: process.exit_ok }\n  - { rule: http.request, method: GET, path: /x }\n\
             faults:\n  - { kind: latency, match: { path: /x } }\n  - { kind: latency, delay_ms: 500, match: { path: /y } }\n\
             hints:\n  - { rule: process.exit_ok, when: [\"401\"], text: a }\n\
             \x20 - { rule: http.request, when: [\"404\"], text: b }\n  - { rule: http.request, text: c }\n";
        let spec = crate::lab::spec::parse("lab.yaml", yaml).unwrap();
        let warnings = lab_warnings(&spec, yaml);
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        assert!(
            warnings[0].starts_with(
                "labs/demo/lab.yaml:12: every hint for rule process.exit_ok has a `when:`"
            ),
            "{warnings:#?}"
        );
        assert!(
            warnings[1]
                .starts_with("labs/demo/lab.yaml:9: fault 1 (`kind: latency`) has no `delay_ms`"),
            "{warnings:#?}"
        );
    }

    #[test]
    fn layout_problems_name_each_missing_or_inconsistent_file() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("labs/demo/starter")).unwrap();
        std::fs::write(root.join("labs/demo/starter/run"), "#!/bin/sh\n").unwrap();
        std::fs::create_dir_all(root.join("solutions/demo/wrong/bad")).unwrap();
        std::fs::write(root.join("solutions/demo/wrong/bad/run"), "#!/bin/sh\n").unwrap();
        std::fs::write(
            root.join("solutions/demo/wrong/bad/expect.yaml"),
            "fails: retry.backoff\n",
        )
        .unwrap();
        let spec = crate::lab::spec::parse(
            "lab.yaml",
            "id: demo\ntitle: D\nlevel: L1\nlesson: L1-basics/rest\nfiles: [run, data.json]\n\
             checks:\n  - { rule: process.exit_ok }\n",
        )
        .unwrap();
        let problems = lab_layout_problems(&DiskFiles::new(root), &spec);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].contains("\"data.json\""));
        assert!(problems[1].contains("solutions/demo/run is missing"));
        assert!(problems[2].contains("expects rule \"retry.backoff\" to fail"));
    }
}
