//! The lesson reader's state: which lesson, its layout at the pane's width, the scroll
//! position and the search (query, matches, current match).

use super::resume::ReadingSpot;
use crate::markdown::{Layout, WrapJoin};
use std::sync::Arc;

/// One search hit: a line and a range of character indices in that line's plain text, and
/// where it goes on when a code line wrapped in the middle of it (`-X PAT` `┆ CH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub line: usize,
    pub start: usize,
    pub end: usize,
    /// The rest of the match on the following lines: (line, start, end) each.
    pub continued: Vec<(usize, usize, usize)>,
}

impl Match {
    /// Every piece of the match: (line, start, end).
    pub fn pieces(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        std::iter::once((self.line, self.start, self.end)).chain(self.continued.iter().copied())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    pub matches: Vec<Match>,
    pub current: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Reader {
    /// Index into `Curriculum::lessons`.
    pub lesson: usize,
    pub layout: Arc<Layout>,
    /// The first line shown.
    pub scroll: usize,
    pub search: Option<Search>,
    /// The end of the lesson has been on screen since it was opened (and said so once).
    pub end_seen: bool,
    /// The spot the learner left the top line at, tied to the text, and the line it came to
    /// in the layout shown: while the learner has not moved since, a resize finds the spot
    /// again from here rather than from a line an earlier resize rounded it to.
    resized_from: Option<(ReadingSpot, usize)>,
}

/// Where the text of `line` goes on after a code block's wrap: the character index just past
/// its `┆ ` gutter, when `line` continues `previous` (the gutter stands where `previous` has
/// its own `│ ` or `┆ `, after the same indentation).
fn continues(previous: &[char], line: &[char]) -> Option<usize> {
    let at = line.iter().position(|c| *c == '┆')?;
    let gutter = |text: &[char], marks: &[char]| {
        text.get(at).is_some_and(|c| marks.contains(c)) && text.get(at + 1) == Some(&' ')
    };
    (gutter(line, &['┆']) && gutter(previous, &['│', '┆']) && previous[..at] == line[..at])
        .then_some(at + 2)
}

/// Case-insensitive matches of `query` in each line (character by character, so indices
/// stay valid for the original text). A code line wrapped over several rows is searched as
/// the one line it is, and so is a paragraph wrapping cut (`joins`, as the layout gives
/// them; the space the cut took is read again): a match split by the wrap is found, in
/// pieces, and the count does not change with the width.
pub fn find_matches(lines: &[String], joins: &[Option<WrapJoin>], query: &str) -> Vec<Match> {
    let needle: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    if needle.is_empty() {
        return Vec::new();
    }
    let lower = |text: &String| -> Vec<char> {
        text.chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect()
    };
    let rows: Vec<Vec<char>> = lines.iter().map(lower).collect();
    let mut out = Vec::new();
    let mut line = 0;
    while line < rows.len() {
        // The source line: this row, then each row continuing it, as (row, first char, end,
        // a space read before it).
        let mut parts = vec![(line, 0, rows[line].len(), false)];
        loop {
            let next = line + parts.len();
            let Some(row) = rows.get(next) else { break };
            if let Some(from) = continues(&rows[next - 1], row) {
                parts.push((next, from, row.len(), false));
            } else if let Some(join) = joins.get(next).copied().flatten() {
                if let Some(last) = parts.last_mut() {
                    last.2 = join.before_end.min(last.2);
                }
                parts.push((next, join.start.min(row.len()), row.len(), join.space));
            } else {
                break;
            }
        }
        // Each character of the joined text, with the row and index it came from (`None`
        // for the space a cut took).
        let joined: Vec<(char, Option<(usize, usize)>)> = parts
            .iter()
            .flat_map(|&(row, from, to, space)| {
                let gap = space.then_some((' ', None));
                gap.into_iter().chain(
                    rows[row][from..to.max(from)]
                        .iter()
                        .enumerate()
                        .map(move |(i, c)| (*c, Some((row, from + i)))),
                )
            })
            .collect();
        let mut i = 0;
        while i + needle.len() <= joined.len() {
            let hit = joined[i..i + needle.len()]
                .iter()
                .map(|(c, _)| c)
                .eq(needle.iter());
            if !hit {
                i += 1;
                continue;
            }
            let mut pieces: Vec<(usize, usize, usize)> = Vec::new();
            for &(_, at) in &joined[i..i + needle.len()] {
                let Some((row, at)) = at else { continue };
                match pieces.last_mut() {
                    Some((r, _, end)) if *r == row => *end = at + 1,
                    _ => pieces.push((row, at, at + 1)),
                }
            }
            let Some(&(first_row, start, end)) = pieces.first() else {
                i += 1;
                continue;
            };
            out.push(Match {
                line: first_row,
                start,
                end,
                continued: pieces[1..].to_vec(),
            });
            i += needle.len();
        }
        line += parts.len();
    }
    out
}

impl Reader {
    pub fn new(lesson: usize, layout: Arc<Layout>) -> Reader {
        Reader {
            lesson,
            layout,
            scroll: 0,
            search: None,
            end_seen: false,
            resized_from: None,
        }
    }

    pub fn max_scroll(&self, height: usize) -> usize {
        self.layout.len().saturating_sub(height)
    }

    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max = self.max_scroll(height) as isize;
        self.scroll = (self.scroll as isize + delta).clamp(0, max.max(0)) as usize;
    }

    pub fn scroll_to(&mut self, line: usize, height: usize) {
        self.scroll = line.min(self.max_scroll(height));
    }

    /// Moves to the next heading below the top line; false when there is none.
    pub fn next_heading(&mut self, height: usize) -> bool {
        let target = self
            .layout
            .headings
            .iter()
            .map(|h| h.line)
            .find(|&l| l > self.scroll && l <= self.max_scroll(height));
        target.map(|l| self.scroll_to(l, height)).is_some()
    }

    /// Moves to the previous heading above the top line; false when there is none.
    pub fn previous_heading(&mut self, height: usize) -> bool {
        let target = self
            .layout
            .headings
            .iter()
            .map(|h| h.line)
            .rev()
            .find(|&l| l < self.scroll);
        target.map(|l| self.scroll_to(l, height)).is_some()
    }

    /// The heading the reader is in (the last one at or above the top line).
    pub fn current_heading(&self) -> Option<&str> {
        self.layout
            .headings
            .iter()
            .rev()
            .find(|h| h.line <= self.scroll)
            .map(|h| h.title.as_str())
    }

    /// Starts or refines a search from the scroll position `from` (where `/` was pressed):
    /// selects the first match at or below it; with no match the view goes back to `from`,
    /// so a typo does not lose the reading position.
    pub fn search(&mut self, query: &str, from: usize, height: usize) {
        let matches = find_matches(&self.layout.plain, &self.layout.joins, query);
        if matches.is_empty() {
            self.scroll = from.min(self.max_scroll(height));
        }
        let current = matches
            .iter()
            .position(|m| m.line >= from)
            .or(if matches.is_empty() { None } else { Some(0) });
        self.search = Some(Search {
            query: query.to_string(),
            matches,
            current,
        });
        self.reveal_current(height);
    }

    /// Steps to the next (`forward`) or previous match, wrapping around; what the status bar
    /// says of it (which match of how many, and a wrap), or `None` without a search that
    /// matched.
    pub fn step_match(&mut self, forward: bool, height: usize) -> Option<String> {
        let s = self.search.as_mut()?;
        let (current, said) = step_among(s.current, s.matches.len(), forward, &s.query)?;
        s.current = Some(current);
        self.reveal_current(height);
        Some(said)
    }

    /// Scrolls so the current match sits a third of the way down (if it is off screen).
    fn reveal_current(&mut self, height: usize) {
        let Some(line) = self
            .search
            .as_ref()
            .and_then(|s| s.current.and_then(|i| s.matches.get(i)))
            .map(|m| m.line)
        else {
            return;
        };
        if line < self.scroll || line >= self.scroll + height {
            self.scroll_to(line.saturating_sub(height / 3), height);
        }
    }

    /// Swaps in a layout at a new width, keeping the reading position and the search. The
    /// position is the spot the learner left the top line at, not the line the last resize
    /// came to: resizing back and forth returns to the same line instead of drifting up by
    /// each resize's rounding.
    pub fn relayout(&mut self, layout: Arc<Layout>, height: usize) {
        let spot = match self.resized_from.take() {
            Some((spot, line)) if line == self.scroll => spot,
            _ => ReadingSpot::at(self.scroll, &self.layout),
        };
        if !Arc::ptr_eq(&layout, &self.layout) {
            // The top line's place in its section, found again at the new width.
            self.layout = layout;
            if let Some(s) = self.search.take() {
                self.search(&s.query, spot.in_layout(&self.layout), height);
            }
        }
        // Clamped to the last page at this height; the spot is kept whole, so a taller
        // window gives the line back.
        self.scroll = spot.in_layout(&self.layout).min(self.max_scroll(height));
        self.resized_from = Some((spot, self.scroll));
    }

    /// "line 12/340": where the top of the view is.
    pub fn position(&self) -> String {
        let total = self.layout.len();
        format!("line {}/{total}", (self.scroll + 1).min(total))
    }

    /// How far through the lesson the view is, 0 to 100 (100 when it all fits).
    pub fn percent(&self, height: usize) -> usize {
        let max = self.max_scroll(height);
        (self.scroll * 100).checked_div(max).unwrap_or(100)
    }
}

/// The match after (`forward`) or before `current` among `n`, wrapping around, and what the
/// status bar says of it: `"query" 3/7`, with `· wrapped to the first match` (or last) when
/// the step went round. `None` when nothing matches. A lesson and a lab's brief step the same
/// way (one keymap).
pub fn step_among(
    current: Option<usize>,
    n: usize,
    forward: bool,
    query: &str,
) -> Option<(usize, String)> {
    if n == 0 {
        return None;
    }
    let (next, wrapped) = match (current, forward) {
        (Some(i), true) if i + 1 >= n => (0, Some("first")),
        (Some(i), true) => (i + 1, None),
        (Some(0), false) => (n - 1, Some("last")),
        (Some(i), false) => (i.min(n) - 1, None),
        (None, true) => (0, None),
        (None, false) => (n - 1, None),
    };
    let mut said = format!("\"{query}\" {}/{n}", next + 1);
    if let Some(end) = wrapped {
        said.push_str(&format!(" · wrapped to the {end} match"));
    }
    Some((next, said))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::Document;
    use crate::tui::theme::Theme;

    fn reader(md: &str) -> Reader {
        Reader::new(
            0,
            Arc::new(Document::parse(md).layout(40, &Theme::monochrome())),
        )
    }

    #[test]
    fn words_split_where_a_paragraph_wraps_are_found_and_counted_the_same_at_any_width() {
        let md = "- Upsert — atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm and the rest of \
                  the REST docs, in a list item that wraps.\n\n> A quote that says rest \
                  many times: rest, rest and rest again until it wraps.\n";
        let doc = Document::parse(md);
        let counts: Vec<(usize, usize)> = [24u16, 31, 40, 57, 80]
            .iter()
            .map(|&w| {
                let layout = doc.layout(w, &Theme::monochrome());
                let count = |q: &str| find_matches(&layout.plain, &layout.joins, q).len();
                (count("rest/dome"), count("rest"))
            })
            .collect();
        assert!(
            counts.iter().all(|&c| c == (1, 8)),
            "the same at every width: {counts:?}"
        );
        // At the narrowest, the split match lights both of its pieces.
        let layout = doc.layout(24, &Theme::monochrome());
        let m = find_matches(&layout.plain, &layout.joins, "rest/dome");
        assert!(
            m.iter().any(|m| !m.continued.is_empty()),
            "{:?}",
            layout.plain
        );
    }

    #[test]
    fn search_ignores_case_and_finds_every_hit() {
        let m = find_matches(&["Token token TOKEN".to_string()], &[], "token");
        assert_eq!(m.len(), 3);
        assert_eq!((m[2].start, m[2].end), (12, 17));
    }

    #[test]
    fn a_match_split_where_a_code_line_wraps_is_found_in_its_two_pieces() {
        let lines: Vec<String> = [
            "│ curl -X PAT",
            "┆ CH -d x",
            "│ -X PATCH",
            "plain -X PAT",
            "┆ CH",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = find_matches(&lines, &[], "patch");
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!((m[0].line, m[0].start, m[0].end), (0, 10, 13));
        assert_eq!(m[0].continued, vec![(1, 2, 4)]);
        assert_eq!((m[1].line, m[1].start, m[1].end), (2, 5, 10));
        assert!(m[1].continued.is_empty());
        // Indented the same (a code block in a list), the rows still join; a row whose
        // gutter is not under the line before it does not.
        let listed: Vec<String> = ["   │ -X PAT", "   ┆ CH", "  ┆ CH"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = find_matches(&listed, &[], "patch");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].continued, vec![(1, 5, 7)]);
        assert!(
            find_matches(&listed, &[], "chch").is_empty(),
            "not across a third row"
        );
    }

    #[test]
    fn next_match_wraps_around_to_the_first_and_says_so() {
        let mut r = reader("alpha\n\nbeta alpha\n\nalpha");
        r.search("alpha", 0, 10);
        assert_eq!(r.search.as_ref().map(|s| s.matches.len()), Some(3));
        assert_eq!(r.step_match(true, 10).as_deref(), Some("\"alpha\" 2/3"));
        r.step_match(true, 10);
        let wrapped = r.step_match(true, 10).unwrap_or_default();
        assert_eq!(wrapped, "\"alpha\" 1/3 · wrapped to the first match");
        assert_eq!(r.search.as_ref().and_then(|s| s.current), Some(0));
        let back = r.step_match(false, 10).unwrap_or_default();
        assert_eq!(back, "\"alpha\" 3/3 · wrapped to the last match");
        assert_eq!(r.search.as_ref().and_then(|s| s.current), Some(2));
    }

    #[test]
    fn a_search_that_stops_matching_goes_back_to_where_it_started() {
        let body = "para\n\n".repeat(30) + "zebra\n\n" + &"more\n\n".repeat(30);
        let mut r = reader(&body);
        r.scroll = 5;
        r.search("z", 5, 10);
        assert!(r.scroll > 5, "the match is shown");
        r.search("zz", 5, 10);
        assert_eq!(r.scroll, 5, "no match: back where the search started");
        assert_eq!(r.search.as_ref().map(|s| s.matches.len()), Some(0));
    }

    #[test]
    fn heading_jumps_stop_at_each_heading() {
        let body =
            "# A\n\n".to_string() + &"para\n\n".repeat(20) + "## B\n\n" + &"more\n\n".repeat(20);
        let mut r = reader(&body);
        assert!(r.next_heading(5));
        assert_eq!(r.current_heading(), Some("B"));
        assert!(r.previous_heading(5));
        assert_eq!(r.scroll, 0);
        assert!(!r.previous_heading(5));
    }

    #[test]
    fn resizing_back_and_forth_keeps_the_same_line_at_the_top() {
        let section = "A paragraph long enough to wrap a different number of times at each \
                       width the pane can have, so lines shift as the window changes.\n\n"
            .repeat(30);
        let md = format!("# One\n\n{section}## Two\n\n{section}");
        let doc = Document::parse(&md);
        let at = |w| Arc::new(doc.layout(w, &Theme::monochrome()));
        let (wide, narrow) = (at(88), at(50));
        // Every line of a section: the rounding of one line or another used to lose a line
        // at each round trip.
        for below in 0..40 {
            let mut r = Reader::new(0, wide.clone());
            r.scroll = wide.headings[1].line + below;
            let top = r.scroll;
            for _ in 0..5 {
                r.relayout(narrow.clone(), 24);
                r.relayout(wide.clone(), 34);
                assert_eq!(r.scroll, top, "back at the same line from {below} below");
            }
        }
        let mut r = Reader::new(0, wide.clone());
        // Moved since the last resize: the next one starts from where the learner is now.
        r.relayout(narrow.clone(), 24);
        r.scroll_by(3, 24);
        let moved = ReadingSpot::at(r.scroll, &narrow).in_layout(&wide);
        r.relayout(wide.clone(), 34);
        assert_eq!(r.scroll, moved);
        // A shorter window clamps the top line; a taller one gives it back.
        let last = r.max_scroll(34);
        r.scroll = last;
        r.relayout(wide.clone(), 60);
        assert!(r.scroll < last);
        r.relayout(wide, 34);
        assert_eq!(r.scroll, last);
    }

    #[test]
    fn scrolling_stops_at_the_last_page() {
        let mut r = reader(&"line\n\n".repeat(30));
        r.scroll_by(1000, 10);
        assert_eq!(r.scroll, r.layout.len() - 10);
        r.scroll_by(-1000, 10);
        assert_eq!(r.scroll, 0);
    }
}
