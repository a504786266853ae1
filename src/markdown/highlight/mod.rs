//! Syntax colouring for fenced code: one small tokenizer per language family.
//!
//! Each tokenizer knows keywords, strings, comments and numbers (plus keys, tags and
//! variables where the language has them). The tokens always spell the source exactly, so
//! colouring never changes what the learner copies. Unknown languages come back as plain text.

mod code;
mod markup;
mod scanner;

use crate::tui::theme::TokenKind;

/// The family a fence's language label belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Shell,
    Json,
    Yaml,
    Python,
    Java,
    Apex,
    JavaScript,
    Rust,
    Xml,
    Sql,
    Http,
    Plain,
}

impl Family {
    pub fn of(lang: &str) -> Family {
        match lang.to_ascii_lowercase().as_str() {
            "bash" | "sh" | "shell" | "zsh" | "console" | "shell-session" => Family::Shell,
            "json" | "jsonc" | "json5" => Family::Json,
            "yaml" | "yml" => Family::Yaml,
            "python" | "py" | "python3" => Family::Python,
            "java" | "kotlin" | "c" | "cpp" | "c++" | "csharp" | "cs" | "go" => Family::Java,
            "apex" | "cls" | "trigger" => Family::Apex,
            "js" | "javascript" | "node" | "ts" | "typescript" | "mjs" => Family::JavaScript,
            "rust" | "rs" => Family::Rust,
            "xml" | "html" | "soap" | "wsdl" | "xsd" => Family::Xml,
            "sql" | "soql" | "sosl" => Family::Sql,
            "http" | "https" => Family::Http,
            _ => Family::Plain,
        }
    }
}

/// Tokens of `code` in the language `lang` (a fence label such as `bash` or `json`).
pub fn highlight(lang: &str, code: &str) -> Vec<(TokenKind, String)> {
    match Family::of(lang) {
        Family::Shell => code::shell(code),
        Family::Python => code::python(code),
        Family::Java => code::c_like(code, code::JAVA_KEYWORDS, false, false),
        Family::Apex => code::c_like(code, code::APEX_KEYWORDS, true, false),
        Family::JavaScript => code::c_like(code, code::JS_KEYWORDS, false, true),
        Family::Rust => code::c_like(code, code::RUST_KEYWORDS, false, false),
        Family::Sql => code::sql(code),
        Family::Json => markup::json(code),
        Family::Yaml => markup::yaml(code),
        Family::Xml => markup::xml(code),
        Family::Http => markup::http(code),
        Family::Plain => vec![(TokenKind::Plain, code.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_of(lang: &str, code: &str, word: &str) -> Vec<TokenKind> {
        highlight(lang, code)
            .into_iter()
            .filter(|(_, t)| t.trim() == word)
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn tokens_always_spell_the_source() {
        let samples = [
            ("bash", "curl -s \"$URL\" | jq '.x' # go\n"),
            ("python", "def f(x):\n    return \"\"\"a\nb\"\"\" # c\n"),
            ("apex", "@IsTest\npublic class A { /* x */ }"),
            ("json", "{\"a\": [1, true, null]}"),
            ("yaml", "- id: x # c\n  n: 3\n"),
            ("xml", "<a b=\"c\"><!-- d --></a>"),
            ("soql", "SELECT Id FROM Account WHERE Name = 'x'"),
            ("http", "POST /x HTTP/1.1\nHost: a\n\n{\"a\":1}"),
            ("js", "const a = `t` // c\n"),
            ("unknown", "whatever ü"),
        ];
        for (lang, code) in samples {
            let joined: String = highlight(lang, code).into_iter().map(|(_, t)| t).collect();
            assert_eq!(joined, code, "{lang}");
        }
    }

    #[test]
    fn bash_marks_comments_strings_and_variables() {
        assert_eq!(
            kinds_of("bash", "echo $TOKEN # note", "# note"),
            vec![TokenKind::Comment]
        );
        assert_eq!(
            kinds_of("bash", "echo $TOKEN", "$TOKEN"),
            vec![TokenKind::Variable]
        );
        assert_eq!(
            kinds_of("bash", "if true; then x; fi", "fi"),
            vec![TokenKind::Keyword]
        );
        assert_eq!(
            kinds_of("bash", "echo 'a b'", "'a b'"),
            vec![TokenKind::String]
        );
    }

    #[test]
    fn json_tells_keys_from_string_values() {
        assert_eq!(
            kinds_of("json", r#"{"id": "001"}"#, r#""id""#),
            vec![TokenKind::Key]
        );
        assert_eq!(
            kinds_of("json", r#"{"id": "001"}"#, r#""001""#),
            vec![TokenKind::String]
        );
        assert_eq!(
            kinds_of("json", r#"{"n": 42}"#, "42"),
            vec![TokenKind::Number]
        );
    }

    #[test]
    fn yaml_marks_keys_and_comments() {
        assert_eq!(
            kinds_of("yaml", "level: L1 # why\n", "level"),
            vec![TokenKind::Key]
        );
        assert_eq!(
            kinds_of("yaml", "level: L1 # why\n", "# why"),
            vec![TokenKind::Comment]
        );
        assert_eq!(
            kinds_of("yaml", "ok: true\n", "true"),
            vec![TokenKind::Literal]
        );
    }

    #[test]
    fn python_marks_keywords_strings_and_comments() {
        assert_eq!(
            kinds_of("python", "import requests", "import"),
            vec![TokenKind::Keyword]
        );
        assert_eq!(
            kinds_of("python", "x = 'a' # c", "# c"),
            vec![TokenKind::Comment]
        );
        assert_eq!(
            kinds_of("python", "x = None", "None"),
            vec![TokenKind::Literal]
        );
    }

    #[test]
    fn apex_keywords_ignore_case_and_java_keywords_do_not() {
        assert_eq!(
            kinds_of("apex", "PUBLIC class A {}", "PUBLIC"),
            vec![TokenKind::Keyword]
        );
        assert_eq!(
            kinds_of("java", "PUBLIC class A {}", "PUBLIC"),
            vec![TokenKind::Plain]
        );
        assert_eq!(
            kinds_of("java", "int a = 1; // c", "// c"),
            vec![TokenKind::Comment]
        );
    }

    #[test]
    fn xml_marks_tags_attributes_and_comments() {
        let code = r#"<soapenv:Body a="1"><!-- c --></soapenv:Body>"#;
        assert_eq!(
            kinds_of("xml", code, "soapenv:Body").first(),
            Some(&TokenKind::Tag)
        );
        assert_eq!(kinds_of("xml", code, "a"), vec![TokenKind::Key]);
        assert_eq!(
            kinds_of("xml", code, "<!-- c -->"),
            vec![TokenKind::Comment]
        );
    }

    #[test]
    fn soql_keywords_are_case_insensitive() {
        assert_eq!(
            kinds_of("soql", "select Id from Account", "select"),
            vec![TokenKind::Keyword]
        );
        assert_eq!(
            kinds_of("soql", "select Id from Account", "Account"),
            vec![TokenKind::Plain]
        );
    }
}
