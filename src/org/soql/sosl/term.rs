//! The search expression inside a SOSL `FIND {…}`: words (with `*` and `?` wildcards),
//! quoted phrases, `AND` / `OR` / `AND NOT` between them, parentheses, and backslash escapes
//! of the reserved characters — parsed into a [`TermExpr`] that can judge a record's text.
//!
//! Text is matched the way a search index sees it: split into words at every character that is
//! not a letter or digit, compared without regard to case. A query word matches a whole indexed
//! word (`acme` matches "Acme Corp", not "Acmeville"); `*` stands for any run of characters and
//! `?` for exactly one. A phrase, and a query word that itself contains punctuation
//! (`acme-corp`), must match consecutive words of one field. Phone fields are also compared on
//! their digits alone, so `4155551212` finds "(415) 555-1212".
//!
//! Implementation notes: real orgs also apply stemming, synonyms and stop-word lists per
//! language; none of that is reproduced. Real precedence between `AND` and `OR` is not
//! documented precisely; here `OR` binds loosest, `AND` / `AND NOT` / juxtaposition tighter,
//! left to right.

/// The characters SOSL reserves inside a search term; a backslash makes them literal.
pub const RESERVED: &str = "?&|!{}[]()^~*:\\\"'+-";

/// Why a search expression cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermError {
    /// Fewer than two searchable characters in the whole expression.
    TooShort,
    /// Unbalanced quotes or parentheses, or an operator with nothing on one side.
    Malformed(String),
}

/// One searchable unit: the words of a phrase (a single word is a one-word phrase), each a
/// lowercase pattern that may hold `*` and `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub words: Vec<String>,
    /// The digits of the unit, for phone fields (empty when it has letters or wildcards).
    pub digits: String,
}

/// A parsed search expression. A run of words joined by one kind of operator is one list, not
/// a chain of pairs, so the tree is only as deep as the parentheses (at most [`MAX_DEPTH`])
/// however many words a term has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermExpr {
    Phrase(Phrase),
    /// Every part must be found (`AND`, or words side by side).
    And(Vec<TermExpr>),
    /// One part is enough.
    Or(Vec<TermExpr>),
    /// The part after an `AND NOT`, only ever inside an [`TermExpr::And`].
    Not(Box<TermExpr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    Word { text: String, escaped: bool },
    Quoted(String),
    Open,
    Close,
}

fn lex(src: &str) -> Result<Vec<Lexeme>, TermError> {
    let mut out = Vec::new();
    let mut chars = src.chars().peekable();
    let mut word = String::new();
    let mut escaped = false;
    let flush = |word: &mut String, escaped: &mut bool, out: &mut Vec<Lexeme>| {
        if !word.is_empty() {
            out.push(Lexeme::Word {
                text: std::mem::take(word),
                escaped: *escaped,
            });
        }
        *escaped = false;
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // A backslash before any character makes it literal; real orgs document the
                // reserved set only, the behaviour for other characters is not verified.
                let Some(next) = chars.next() else {
                    return Err(TermError::Malformed(
                        "a search term cannot end with a backslash; escape it as \\\\".into(),
                    ));
                };
                // An escaped wildcard is a literal character: keep it out of the pattern.
                word.push(if next == '*' || next == '?' {
                    ' '
                } else {
                    next
                });
                escaped = true;
            }
            '"' => {
                flush(&mut word, &mut escaped, &mut out);
                let mut phrase = String::new();
                let mut closed = false;
                while let Some(p) = chars.next() {
                    match p {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                phrase.push(n);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        other => phrase.push(other),
                    }
                }
                if !closed {
                    return Err(TermError::Malformed(
                        "the search term has an opening quotation mark without a closing one"
                            .into(),
                    ));
                }
                out.push(Lexeme::Quoted(phrase));
            }
            '(' => {
                flush(&mut word, &mut escaped, &mut out);
                out.push(Lexeme::Open);
            }
            ')' => {
                flush(&mut word, &mut escaped, &mut out);
                out.push(Lexeme::Close);
            }
            c if c.is_whitespace() => flush(&mut word, &mut escaped, &mut out),
            other => word.push(other),
        }
    }
    flush(&mut word, &mut escaped, &mut out);
    Ok(out)
}

/// Splits text into lowercase index words; with `wild`, `*` and `?` stay inside words.
pub fn words(text: &str, wild: bool) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || (wild && (c == '*' || c == '?'))))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn phrase(text: &str, wild: bool) -> Phrase {
    let words = words(text, wild);
    let has_letters = text
        .chars()
        .any(|c| c.is_alphabetic() || c == '*' || c == '?');
    let digits = if has_letters {
        String::new()
    } else {
        text.chars().filter(char::is_ascii_digit).collect()
    };
    Phrase { words, digits }
}

fn is_operator(word: &str) -> bool {
    ["AND", "OR", "NOT"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// Deepest nesting of parentheses accepted (deeper input would only exhaust the stack).
const MAX_DEPTH: usize = 64;

struct Parser {
    lexemes: Vec<Lexeme>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Lexeme::Word { text, escaped: false }) if text.eq_ignore_ascii_case(kw))
    }

    fn or(&mut self) -> Result<TermExpr, TermError> {
        let mut parts = vec![self.and()?];
        while self.keyword("OR") {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(one_or(parts, TermExpr::Or))
    }

    fn and(&mut self) -> Result<TermExpr, TermError> {
        let mut parts = vec![self.unit()?];
        loop {
            if self.keyword("AND") {
                self.at += 1;
                if self.keyword("NOT") {
                    self.at += 1;
                    parts.push(TermExpr::Not(Box::new(self.unit()?)));
                } else {
                    parts.push(self.unit()?);
                }
            } else if matches!(self.peek(), None | Some(Lexeme::Close)) || self.keyword("OR") {
                return Ok(one_or(parts, TermExpr::And));
            } else {
                parts.push(self.unit()?);
            }
        }
    }

    fn unit(&mut self) -> Result<TermExpr, TermError> {
        if let Some(Lexeme::Word {
            text,
            escaped: false,
        }) = self.peek()
        {
            if is_operator(text) {
                return Err(TermError::Malformed(format!(
                    "the operator {} needs a search word on each side",
                    text.to_ascii_uppercase()
                )));
            }
        }
        let lexeme = self.peek().cloned();
        self.at += 1;
        match lexeme {
            Some(Lexeme::Open) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(TermError::Malformed(format!(
                        "the search term nests parentheses more than {MAX_DEPTH} deep"
                    )));
                }
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Lexeme::Close) {
                    return Err(TermError::Malformed(
                        "the search term has an opening parenthesis without a closing one".into(),
                    ));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Lexeme::Word { text, .. }) => Ok(TermExpr::Phrase(phrase(&text, true))),
            Some(Lexeme::Quoted(text)) => Ok(TermExpr::Phrase(phrase(&text, true))),
            Some(Lexeme::Close) => Err(TermError::Malformed(
                "the search term has a closing parenthesis without an opening one".into(),
            )),
            None => Err(TermError::Malformed(
                "the search term ends where a search word was expected".into(),
            )),
        }
    }
}

/// The one part itself, or the parts joined by `join`.
fn one_or(mut parts: Vec<TermExpr>, join: fn(Vec<TermExpr>) -> TermExpr) -> TermExpr {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        join(parts)
    }
}

/// Parses a search expression (the text between the braces of `FIND {…}`).
pub fn parse(src: &str) -> Result<TermExpr, TermError> {
    let lexemes = lex(src)?;
    let searchable: usize = lexemes
        .iter()
        .map(|l| match l {
            Lexeme::Word { text, escaped } => {
                if !escaped && is_operator(text) {
                    0
                } else {
                    text.chars().filter(|c| c.is_alphanumeric()).count()
                }
            }
            Lexeme::Quoted(text) => text.chars().filter(|c| c.is_alphanumeric()).count(),
            _ => 0,
        })
        .sum();
    if let Some(why) = only_operators(&lexemes) {
        return Err(TermError::Malformed(why));
    }
    if searchable < 2 {
        return Err(TermError::TooShort);
    }
    let mut p = Parser {
        lexemes,
        at: 0,
        depth: 0,
    };
    let expr = p.or()?;
    if p.at < p.lexemes.len() {
        return Err(TermError::Malformed(
            "the search term has a closing parenthesis without an opening one".into(),
        ));
    }
    Ok(expr)
}

/// Why a term that holds operators (`AND`, `OR`, `NOT`) and nothing to search for cannot be
/// used, or `None` when it holds a search word or phrase.
fn only_operators(lexemes: &[Lexeme]) -> Option<String> {
    let mut operators = Vec::new();
    for l in lexemes {
        match l {
            Lexeme::Word {
                text,
                escaped: false,
            } if is_operator(text) => operators.push(text.to_ascii_uppercase()),
            Lexeme::Word { .. } | Lexeme::Quoted(_) => return None,
            Lexeme::Open | Lexeme::Close => {}
        }
    }
    let words = operators.join(" ");
    match operators.len() {
        0 => None,
        1 => Some(format!(
            "it holds only the operator {words}, which joins search words; to search for the word itself, put it in quotes: \"{words}\""
        )),
        _ => Some(format!(
            "it holds only the operators {words}, which join search words; to search for the words themselves, put them in quotes: \"{words}\""
        )),
    }
}

/// `*` any run of characters, `?` exactly one, everything else itself. Greedy with one
/// backtrack point (the last `*`), so the time is at most `pattern × word`.
fn glob(pattern: &[char], word: &[char]) -> bool {
    let (mut p, mut w) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while w < word.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, w));
                p += 1;
            }
            Some(c) if *c == '?' || *c == word[w] => {
                p += 1;
                w += 1;
            }
            _ => match star {
                Some((sp, sw)) => {
                    p = sp + 1;
                    w = sw + 1;
                    star = Some((sp, sw + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|c| *c == '*')
}

fn word_matches(pattern: &str, word: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == word;
    }
    let p: Vec<char> = pattern.chars().collect();
    let w: Vec<char> = word.chars().collect();
    glob(&p, &w)
}

/// One field's text, split once into index words (and digits, for phone fields).
#[derive(Debug, Clone)]
pub struct FieldText {
    pub words: Vec<String>,
    pub digits: Option<String>,
}

impl FieldText {
    pub fn new(text: &str, phone: bool) -> FieldText {
        FieldText {
            words: words(text, false),
            digits: phone.then(|| text.chars().filter(char::is_ascii_digit).collect()),
        }
    }
}

impl Phrase {
    /// True when the phrase occurs in the field's text.
    pub fn matches(&self, field: &FieldText) -> bool {
        if let Some(d) = &field.digits {
            if self.digits.len() >= 2 && d.contains(self.digits.as_str()) {
                return true;
            }
        }
        if self.words.is_empty() || self.words.len() > field.words.len() {
            return false;
        }
        field.words.windows(self.words.len()).any(|w| {
            w.iter()
                .zip(&self.words)
                .all(|(word, pat)| word_matches(pat, word))
        })
    }
}

impl TermExpr {
    /// True when a record whose searched fields hold `fields` satisfies the expression (each
    /// phrase may be found in a different field).
    pub fn matches(&self, fields: &[FieldText]) -> bool {
        match self {
            TermExpr::Phrase(p) => fields.iter().any(|f| p.matches(f)),
            TermExpr::And(parts) => parts.iter().all(|p| p.matches(fields)),
            TermExpr::Or(parts) => parts.iter().any(|p| p.matches(fields)),
            TermExpr::Not(part) => !part.matches(fields),
        }
    }

    /// True when the field holds one of the phrases the expression looks for (for ranking).
    pub fn hits(&self, field: &FieldText) -> bool {
        match self {
            TermExpr::Phrase(p) => p.matches(field),
            TermExpr::And(parts) | TermExpr::Or(parts) => parts.iter().any(|p| p.hits(field)),
            // What an AND NOT excludes is not what the record was found by.
            TermExpr::Not(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(term: &str, texts: &[&str]) -> bool {
        let fields: Vec<FieldText> = texts.iter().map(|t| FieldText::new(t, false)).collect();
        parse(term).expect("term parses").matches(&fields)
    }

    #[test]
    fn a_word_matches_whole_words_without_regard_to_case() {
        assert!(found("acme", &["Acme Corp"]));
        assert!(!found("acme", &["Acmeville Ltd"]));
    }

    #[test]
    fn star_and_question_mark_are_wildcards() {
        assert!(found("acm*", &["Acmeville Ltd"]));
        assert!(found("j?ne", &["Jane Doe"]));
        assert!(!found("j?ne", &["Joanne Doe"]));
        assert!(found("*ville", &["Acmeville"]));
    }

    #[test]
    fn a_quoted_phrase_needs_consecutive_words_in_one_field() {
        assert!(found("\"acme corp\"", &["The Acme Corp"]));
        assert!(!found("\"acme corp\"", &["Acme", "Corp"]));
        assert!(!found("\"acme corp\"", &["Corp Acme"]));
    }

    #[test]
    fn juxtaposed_words_must_all_be_found_in_any_fields() {
        assert!(found("acme london", &["Acme", "London"]));
        assert!(!found("acme paris", &["Acme", "London"]));
    }

    #[test]
    fn or_and_not_combine_terms() {
        assert!(found("acme OR globex", &["Globex Inc"]));
        assert!(found("acme AND NOT globex", &["Acme Inc"]));
        assert!(!found("acme AND NOT globex", &["Acme Globex"]));
        assert!(found("(acme OR globex) AND inc", &["Globex Inc"]));
        assert!(!found("(acme OR globex) AND inc", &["Globex Ltd"]));
    }

    #[test]
    fn escaped_reserved_characters_are_literal() {
        // `\-` keeps the hyphen in the word; words split on it like the indexed text does.
        assert!(found("acme\\-corp", &["ACME-Corp"]));
        // An escaped star is not a wildcard.
        assert!(!found("acm\\*", &["Acmeville"]));
    }

    #[test]
    fn phone_fields_match_on_digits() {
        let phone = [FieldText::new("(415) 555-1212", true)];
        assert!(parse("4155551212").expect("parses").matches(&phone));
        assert!(parse("555-1212").expect("parses").matches(&phone));
        assert!(!parse("5556666").expect("parses").matches(&phone));
    }

    #[test]
    fn one_character_is_too_short() {
        assert_eq!(parse("a"), Err(TermError::TooShort));
        assert_eq!(parse("a*"), Err(TermError::TooShort));
        assert_eq!(parse("  "), Err(TermError::TooShort));
        assert!(parse("ab").is_ok());
    }

    #[test]
    fn a_term_of_operators_alone_says_so_rather_than_too_short() {
        for (term, shown) in [
            ("AND", "the operator AND,"),
            ("or", "the operator OR,"),
            ("NOT", "the operator NOT,"),
            ("AND NOT", "the operators AND NOT,"),
            ("(OR)", "the operator OR,"),
        ] {
            match parse(term) {
                Err(TermError::Malformed(why)) => assert!(
                    why.starts_with(&format!("it holds only {shown}")),
                    "{term}: {why}"
                ),
                other => panic!("{term}: {other:?}"),
            }
        }
        assert!(parse("\"AND\"").is_ok());
        assert_eq!(parse("a"), Err(TermError::TooShort));
    }

    #[test]
    fn many_stars_do_not_blow_up() {
        let pattern = format!("{}b", "*a".repeat(40));
        let word = "a".repeat(200);
        assert!(!word_matches(&pattern, &word));
        assert!(word_matches("a*b*c", "axxbyyc"));
        assert!(!word_matches("a*b*c", "axxbyy"));
        assert!(word_matches("**", ""));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}acme{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(parse(&deep), Err(TermError::Malformed(_))));
    }

    #[test]
    fn a_term_of_thousands_of_words_is_judged_without_overflowing() {
        // A term sent in a request body (parameterizedSearch, a composite subrequest) can be
        // far longer than a URL allows.
        for joiner in [" ", " AND ", " OR ", " AND NOT "] {
            let long = vec!["acme"; 200_000].join(joiner);
            let expr = parse(&long).unwrap();
            let fields = [FieldText::new("Acme", false)];
            assert_eq!(expr.matches(&fields), joiner != " AND NOT ", "{joiner}");
            assert!(expr.hits(&fields[0]));
        }
    }

    #[test]
    fn no_input_panics() {
        proptest::proptest!(|(s in "[\\PC]{0,40}")| {
            if let Ok(expr) = parse(&s) {
                let _ = expr.matches(&[FieldText::new(&s, true)]);
            }
        });
    }

    #[test]
    fn unbalanced_syntax_is_malformed() {
        assert!(matches!(parse("\"acme corp"), Err(TermError::Malformed(_))));
        assert!(matches!(parse("(acme corp"), Err(TermError::Malformed(_))));
        assert!(matches!(parse("acme corp)"), Err(TermError::Malformed(_))));
        assert!(matches!(parse("acme OR"), Err(TermError::Malformed(_))));
        assert!(matches!(parse("AND acme"), Err(TermError::Malformed(_))));
    }
}
