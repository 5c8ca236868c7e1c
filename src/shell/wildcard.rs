//! PowerShell wildcard patterns (`*`, `?`, `[abc]`, `[a-z]`, backtick escapes), matched
//! case-insensitively as `-like` and `Get-Command -Name` do.
//!
//! Must not: know where patterns come from or what they select.

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    parts: Vec<Part>,
    case_sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(char),
    AnyOne,
    AnyRun,
    /// `[…]`: inclusive ranges (a single character is a range of one).
    Class(Vec<(char, char)>),
}

impl Wildcard {
    /// A pattern that matches case-insensitively.
    pub fn new(pattern: &str) -> Wildcard {
        Wildcard::build(pattern, false)
    }

    /// A pattern for `-clike`.
    pub fn new_case_sensitive(pattern: &str) -> Wildcard {
        Wildcard::build(pattern, true)
    }

    fn build(pattern: &str, case_sensitive: bool) -> Wildcard {
        let fold = |c: char| if case_sensitive { c } else { fold(c) };
        let mut parts = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => parts.push(Part::AnyRun),
                '?' => parts.push(Part::AnyOne),
                '`' => parts.push(Part::Literal(fold(chars.next().unwrap_or('`')))),
                '[' => {
                    let mut ranges = Vec::new();
                    let mut closed = false;
                    while let Some(c) = chars.next() {
                        if c == ']' {
                            closed = true;
                            break;
                        }
                        let low = fold(c);
                        if chars.peek() == Some(&'-') {
                            chars.next();
                            match chars.next() {
                                Some(']') | None => {
                                    ranges.push((low, low));
                                    ranges.push(('-', '-'));
                                    closed = true;
                                    break;
                                }
                                Some(high) => ranges.push((low, fold(high))),
                            }
                        } else {
                            ranges.push((low, low));
                        }
                    }
                    if closed {
                        parts.push(Part::Class(ranges));
                    } else {
                        parts.push(Part::Literal('['));
                    }
                }
                other => parts.push(Part::Literal(fold(other))),
            }
        }
        Wildcard { parts, case_sensitive }
    }

    /// Whether `text` has any wildcard characters at all.
    pub fn has_wildcards(text: &str) -> bool {
        text.contains(['*', '?', '['])
    }

    pub fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> =
            if self.case_sensitive { text.chars().collect() } else { text.chars().map(fold).collect() };
        matches_from(&self.parts, &text)
    }
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Backtracking match; patterns are short (command and object names).
fn matches_from(parts: &[Part], text: &[char]) -> bool {
    match parts.split_first() {
        None => text.is_empty(),
        Some((Part::AnyRun, rest)) => (0..=text.len()).any(|i| matches_from(rest, &text[i..])),
        Some((part, rest)) => match text.split_first() {
            None => false,
            Some((&c, tail)) => {
                let ok = match part {
                    Part::Literal(l) => *l == c,
                    Part::AnyOne => true,
                    Part::Class(ranges) => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi),
                    Part::AnyRun => unreachable!("handled above"),
                };
                ok && matches_from(rest, tail)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::Wildcard;

    #[test]
    fn matches_like_powershell() {
        assert!(Wildcard::new("get-*").is_match("Get-StorageGroup"));
        assert!(Wildcard::new("*StorageGroup*").is_match("Get-StorageGroupCopyStatus"));
        assert!(!Wildcard::new("Get-Storage").is_match("Get-StorageGroup"));
        assert!(Wildcard::new("E0?").is_match("E01"));
        assert!(Wildcard::new("[a-c]x").is_match("Bx"));
        assert!(!Wildcard::new("[a-c]x").is_match("dx"));
        assert!(Wildcard::new("a`*").is_match("a*"));
        assert!(!Wildcard::new("a`*").is_match("ab"));
        assert!(Wildcard::has_wildcards("Get-*") && !Wildcard::has_wildcards("Get-X"));
        assert!(!Wildcard::new_case_sensitive("get-*").is_match("Get-X"));
    }
}
