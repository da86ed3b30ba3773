//! Tokenizer: turns Rust source into the few token kinds the path scanner
//! needs (identifiers, `::`, single punctuation characters). Comments and
//! literals are dropped or reduced to a placeholder, so `crate::x` inside a
//! string, a char literal or a (doc) comment never counts as a reference.

/// What a token is. Only identifiers and `::` carry information for paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or keyword; raw identifiers (`r#type`) lose their `r#`.
    Ident(String),
    /// `::`
    PathSep,
    /// Any other single character of punctuation (`{`, `}`, `,`, `*`, ...).
    Punct(char),
    /// A string, char, number or lifetime. Its text never matters; the token
    /// only keeps whatever follows it from being read as part of a path.
    Literal,
}

/// A token and the (1-based) line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub line: usize,
}

/// Splits `source` into tokens. Never fails: malformed input (an unclosed
/// string, say) just ends the token stream early.
pub fn tokenize(source: &str) -> Vec<Token> {
    Lexer {
        chars: source.chars().collect(),
        pos: 0,
        line: 1,
        tokens: Vec::new(),
    }
    .run()
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    tokens: Vec<Token>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    /// Consumes one character, counting lines (strings and comments may span
    /// several, and every later token's line depends on it).
    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn push(&mut self, kind: Kind, line: usize) {
        self.tokens.push(Token { kind, line });
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(c) = self.peek(0) {
            let line = self.line;
            match c {
                c if c.is_whitespace() => {
                    self.bump();
                }
                '/' if self.peek(1) == Some('/') => self.line_comment(),
                '/' if self.peek(1) == Some('*') => self.block_comment(),
                '"' => {
                    self.bump();
                    self.quoted('"');
                    self.push(Kind::Literal, line);
                }
                '\'' => self.char_or_lifetime(),
                ':' if self.peek(1) == Some(':') => {
                    self.pos += 2;
                    self.push(Kind::PathSep, line);
                }
                c if c.is_ascii_digit() => self.number(),
                c if is_ident_start(c) => self.word(),
                c => {
                    self.bump();
                    self.push(Kind::Punct(c), line);
                }
            }
        }
        self.tokens
    }

    /// `//`, `///` and `//!` comments: up to (not including) the newline.
    fn line_comment(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.pos += 1;
        }
    }

    /// `/* .. */`, which nest in Rust.
    fn block_comment(&mut self) {
        self.pos += 2;
        let mut depth = 1;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (None, _) => break,
                (Some('/'), Some('*')) => {
                    self.pos += 2;
                    depth += 1;
                }
                (Some('*'), Some('/')) => {
                    self.pos += 2;
                    depth -= 1;
                }
                _ => {
                    self.bump();
                }
            }
        }
    }

    /// The rest of a quoted literal whose opening quote is consumed: up to
    /// the first `close` that is not escaped by a backslash.
    fn quoted(&mut self, close: char) {
        while let Some(c) = self.bump() {
            if c == '\\' {
                self.bump();
            } else if c == close {
                break;
            }
        }
    }

    /// At a `'`: a char literal (`'x'`, `'\n'`, `'"'`) or a lifetime/label
    /// (`'a`, `'static`). A lifetime has no closing quote right after its
    /// first character, which is what tells the two apart.
    fn char_or_lifetime(&mut self) {
        let line = self.line;
        match (self.peek(1), self.peek(2)) {
            (Some('\\'), _) => {
                self.bump();
                self.quoted('\'');
            }
            (Some(_), Some('\'')) => {
                self.bump();
                self.bump();
                self.bump();
            }
            _ => {
                self.bump();
                while self.peek(0).is_some_and(is_ident_continue) {
                    self.pos += 1;
                }
            }
        }
        self.push(Kind::Literal, line);
    }

    /// Integers and floats, suffixes included (`10u8`, `1.5e3`, `0xff`).
    fn number(&mut self) {
        let line = self.line;
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if is_ident_continue(c) => self.pos += 1,
                // `1.5` but not `0..10` nor `x.0.method()`'s second dot.
                (Some('.'), Some(d)) if d.is_ascii_digit() => self.pos += 1,
                _ => break,
            }
        }
        self.push(Kind::Literal, line);
    }

    /// An identifier, or the prefix of a byte/C/raw string, byte char or raw
    /// identifier (`b"..."`, `c"..."`, `r#"..."#`, `br"..."`, `b'x'`, `r#type`).
    fn word(&mut self) {
        let line = self.line;
        let start = self.pos;
        while self.peek(0).is_some_and(is_ident_continue) {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        match (word.as_str(), self.peek(0)) {
            ("b" | "c", Some('"')) => {
                self.bump();
                self.quoted('"');
                self.push(Kind::Literal, line);
            }
            ("b", Some('\'')) => self.char_or_lifetime(),
            ("r" | "br" | "cr", Some('"' | '#')) if self.raw_string() => self.push(Kind::Literal, line),
            ("r", Some('#')) if self.peek(1).is_some_and(is_ident_start) => {
                let start = self.pos + 1;
                self.pos = start;
                while self.peek(0).is_some_and(is_ident_continue) {
                    self.pos += 1;
                }
                let name = self.chars[start..self.pos].iter().collect();
                self.push(Kind::Ident(name), line);
            }
            _ => self.push(Kind::Ident(word), line),
        }
    }

    /// At the `#`s or `"` after an `r`: consumes a raw string and returns
    /// true, or consumes nothing and returns false (it is `r#ident`).
    fn raw_string(&mut self) -> bool {
        let hashes = self.chars[self.pos..].iter().take_while(|&&c| c == '#').count();
        if self.peek(hashes) != Some('"') {
            return false;
        }
        self.pos += hashes + 1;
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                self.pos += hashes;
                break;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, tokenize};

    /// The identifiers and `::`s of `source`, as text, with their lines.
    fn words(source: &str) -> Vec<(String, usize)> {
        tokenize(source)
            .into_iter()
            .filter_map(|t| match t.kind {
                Kind::Ident(name) => Some((name, t.line)),
                Kind::PathSep => Some(("::".to_owned(), t.line)),
                _ => None,
            })
            .collect()
    }

    fn idents(source: &str) -> Vec<String> {
        words(source)
            .into_iter()
            .map(|(w, _)| w)
            .filter(|w| w != "::")
            .collect()
    }

    #[test]
    fn comments_are_dropped_and_nest() {
        let src = "a // crate::x\n/* b /* crate::y */ c */ d /// e\n//! f\ng";
        assert_eq!(idents(src), ["a", "d", "g"]);
    }

    #[test]
    fn strings_of_every_kind_are_dropped() {
        let src = r####"a "crate::x \" y" b r"z" c r#"q "crate::w" "# d br##"v"# "## e b"u" f c"t" g"####;
        assert_eq!(idents(src), ["a", "b", "c", "d", "e", "f", "g"]);
    }

    #[test]
    fn char_literals_and_lifetimes() {
        // `'"'` must not open a string; `'a` must not open a char literal.
        let src = "fn f<'a>(x: &'a str) -> char { let q = '\"'; let e = '\\''; b'x'; 'label: loop {} y }";
        let ids = idents(src);
        assert_eq!(
            ids,
            ["fn", "f", "x", "str", "char", "let", "q", "let", "e", "loop", "y"]
        );
    }

    #[test]
    fn raw_identifiers_lose_their_prefix() {
        assert_eq!(idents("r#type r#match"), ["type", "match"]);
    }

    #[test]
    fn numbers_are_literals() {
        assert_eq!(idents("1.5e3 0..10 x.0 10u8"), ["x"]);
    }

    #[test]
    fn lines_count_newlines_inside_literals_and_comments() {
        let src = "a\n\"one\ntwo\"\n/* x\ny */ b\nr#\"\n\"# c";
        assert_eq!(
            words(src),
            [("a".to_owned(), 1), ("b".to_owned(), 5), ("c".to_owned(), 7)]
        );
    }

    #[test]
    fn path_separators() {
        let ws: Vec<String> = words("crate::a::b").into_iter().map(|(w, _)| w).collect();
        assert_eq!(ws, ["crate", "::", "a", "::", "b"]);
    }
}
