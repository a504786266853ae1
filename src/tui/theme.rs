//! The one theme: semantic styles (heading, code, call-out, pass, fail…) for every screen.
//!
//! Meaning never rests on colour alone: each state also has a glyph (see [`Glyph`]). With
//! `NO_COLOR` set (to anything non-empty, per no-color.org) the theme keeps bold, italic,
//! underline and reverse video but drops every colour.

use ratatui::style::{Color, Modifier, Style};

/// Kinds of token a code highlighter can emit; the theme decides how each looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Plain,
    Keyword,
    String,
    Comment,
    Number,
    /// `true`, `false`, `null`, `None`…
    Literal,
    /// A JSON/YAML key, an XML attribute name.
    Key,
    /// An XML tag name, an annotation or decorator.
    Tag,
    /// A shell variable such as `$SF_INSTANCE_URL`.
    Variable,
    Punctuation,
}

/// The kinds of call-out box a lesson paragraph can turn into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalloutKind {
    CommonMistake,
    Note,
    Why,
}

impl CalloutKind {
    /// The glyph and label drawn in the box's top border.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            CalloutKind::CommonMistake => ("⚠", "Common mistake"),
            CalloutKind::Note => ("✎", "Note"),
            CalloutKind::Why => ("◆", "Why"),
        }
    }
}

/// Glyphs for states, so that no state is told by colour alone.
pub struct Glyph;

impl Glyph {
    pub const PASS: &'static str = "✓";
    pub const FAIL: &'static str = "✗";
    pub const IN_PROGRESS: &'static str = "●";
    pub const NOT_STARTED: &'static str = "○";
    pub const NOT_APPLICABLE: &'static str = "–";
    pub const FAULT: &'static str = "⚡";
    /// A knowledge check not yet answered all right.
    pub const CHECK: &'static str = "◇";
    pub const FOLDED: &'static str = "▸";
    pub const UNFOLDED: &'static str = "▾";
}

/// Semantic styles. Cheap to copy; build it once with [`Theme::from_env`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    pub fn colored() -> Theme {
        Theme { color: true }
    }

    /// Attributes only, no colour (what `NO_COLOR` gives).
    pub fn monochrome() -> Theme {
        Theme { color: false }
    }

    pub fn has_color(&self) -> bool {
        self.color
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn text(&self) -> Style {
        Style::new()
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn heading(&self, level: u8) -> Style {
        let base = Style::new().add_modifier(Modifier::BOLD);
        match (self.color, level) {
            (true, 1) => base.fg(Color::Cyan),
            (true, 2) => base.fg(Color::LightBlue),
            (true, _) => base.fg(Color::Blue),
            (false, 1) => base.add_modifier(Modifier::UNDERLINED),
            (false, _) => base,
        }
    }

    pub fn emphasis(&self) -> Style {
        Style::new().add_modifier(Modifier::ITALIC)
    }

    pub fn strong(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn strikethrough(&self) -> Style {
        Style::new().add_modifier(Modifier::CROSSED_OUT)
    }

    /// Inline code and the body of code blocks.
    pub fn code(&self) -> Style {
        self.fg(Color::LightYellow)
    }

    pub fn code_label(&self) -> Style {
        self.dim().add_modifier(Modifier::BOLD)
    }

    pub fn link(&self) -> Style {
        self.fg(Color::LightCyan).add_modifier(Modifier::UNDERLINED)
    }

    pub fn url(&self) -> Style {
        self.dim()
    }

    pub fn quote(&self) -> Style {
        self.dim().add_modifier(Modifier::ITALIC)
    }

    pub fn border(&self) -> Style {
        self.dim()
    }

    pub fn focused_border(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn callout(&self, kind: CalloutKind) -> Style {
        let c = match kind {
            CalloutKind::CommonMistake => Color::LightRed,
            CalloutKind::Note => Color::LightBlue,
            CalloutKind::Why => Color::LightMagenta,
        };
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    pub fn pass(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn fail(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn in_progress(&self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Not applicable on this backend.
    pub fn na(&self) -> Style {
        self.dim()
    }

    /// An injected fault.
    pub fn fault(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// A masked secret.
    pub fn secret(&self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::ITALIC)
    }

    pub fn selection(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn search_match(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Yellow).fg(Color::Black)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        }
    }

    pub fn search_current(&self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::LightRed)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    pub fn bar(&self) -> Style {
        if self.color {
            Style::new().bg(Color::DarkGray).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn key_hint(&self) -> Style {
        self.bar().add_modifier(Modifier::BOLD)
    }

    pub fn table_border(&self) -> Style {
        self.dim()
    }

    pub fn table_header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn rule(&self) -> Style {
        self.dim()
    }

    pub fn token(&self, kind: TokenKind) -> Style {
        if !self.color {
            return match kind {
                TokenKind::Keyword | TokenKind::Tag => Style::new().add_modifier(Modifier::BOLD),
                TokenKind::Comment => Style::new().add_modifier(Modifier::ITALIC),
                _ => Style::new(),
            };
        }
        match kind {
            TokenKind::Plain | TokenKind::Punctuation => Style::new().fg(Color::Gray),
            TokenKind::Keyword => Style::new().fg(Color::LightMagenta),
            TokenKind::String => Style::new().fg(Color::LightGreen),
            TokenKind::Comment => Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::ITALIC),
            TokenKind::Number | TokenKind::Literal => Style::new().fg(Color::LightYellow),
            TokenKind::Key => Style::new().fg(Color::LightBlue),
            TokenKind::Tag => Style::new().fg(Color::LightCyan),
            TokenKind::Variable => Style::new().fg(Color::LightRed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monochrome_theme_uses_no_colour_anywhere() {
        let t = Theme::monochrome();
        let styles = [
            t.heading(1),
            t.code(),
            t.callout(CalloutKind::Note),
            t.pass(),
            t.fail(),
            t.na(),
            t.fault(),
            t.secret(),
            t.search_match(),
            t.bar(),
            t.token(TokenKind::String),
        ];
        for s in styles {
            assert_eq!(s.fg, None, "{s:?}");
            assert_eq!(s.bg, None, "{s:?}");
        }
    }

    #[test]
    fn search_matches_stay_visible_without_colour() {
        let t = Theme::monochrome();
        assert!(!t.search_match().add_modifier.is_empty());
        assert_ne!(t.search_match(), t.search_current());
    }
}
